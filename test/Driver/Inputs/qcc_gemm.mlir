// A model in the qcc dialect (what the importer produces): y = relu(x Wᵀ + b),
// with a symbolic batch dimension "N".
module attributes {qcc.source = "qcc_gemm.mlir"} {
  func.func @main(%x: tensor<?x4xf32>, %w: tensor<5x4xf32>, %b: tensor<5xf32>)
      -> tensor<?x5xf32>
      attributes {qcc.input_names = ["x", "w", "b"], qcc.output_names = ["y"],
                  qcc.input_dims = [["N", ""], ["", ""], [""]]} {
    %0 = qcc.gemm %x, %w, %b {trans_b = true} : (tensor<?x4xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<?x5xf32>
    %1 = qcc.relu %0 : tensor<?x5xf32>
    return %1 : tensor<?x5xf32>
  }
}
