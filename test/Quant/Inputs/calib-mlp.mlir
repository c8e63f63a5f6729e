// A two-layer MLP in the qcc dialect (not a causal LM): --calib with text refuses it.
func.func @main(%x: tensor<?x8xf32>) -> tensor<?x4xf32> {
  %w1 = arith.constant dense<0.5> : tensor<16x8xf32>
  %w2 = arith.constant dense<0.25> : tensor<4x16xf32>
  %h = qcc.gemm %x, %w1 {trans_b = true} : (tensor<?x8xf32>, tensor<16x8xf32>) -> tensor<?x16xf32>
  %y = qcc.gemm %h, %w2 {trans_b = true} : (tensor<?x16xf32>, tensor<4x16xf32>) -> tensor<?x4xf32>
  return %y : tensor<?x4xf32>
}
