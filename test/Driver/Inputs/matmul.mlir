// A linalg-on-tensors model: y = relu(x @ w + b) with odd sizes (67x45x29).
module attributes {qcc.source = "matmul.mlir"} {
  func.func @main(%x: tensor<67x45xf32>, %w: tensor<45x29xf32>,
                  %b: tensor<29xf32>) -> tensor<67x29xf32>
      attributes {qcc.input_names = ["x", "w", "b"],
                  qcc.output_names = ["y"]} {
    %zero = arith.constant 0.0 : f32
    %e = tensor.empty() : tensor<67x29xf32>
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<67x29xf32>) -> tensor<67x29xf32>
    %m = linalg.matmul ins(%x, %w : tensor<67x45xf32>, tensor<45x29xf32>)
                       outs(%f : tensor<67x29xf32>) -> tensor<67x29xf32>
    %r = linalg.generic {
        indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                         affine_map<(i, j) -> (i, j)>],
        iterator_types = ["parallel", "parallel"]}
        ins(%m, %b : tensor<67x29xf32>, tensor<29xf32>) outs(%e : tensor<67x29xf32>) {
    ^bb0(%a: f32, %c: f32, %o: f32):
      %s = arith.addf %a, %c : f32
      %t = arith.maximumf %s, %zero : f32
      linalg.yield %t : f32
    } -> tensor<67x29xf32>
    return %r : tensor<67x29xf32>
  }
}
