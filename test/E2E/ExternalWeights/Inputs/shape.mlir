// fc1.weight is [16, 32] in the file; read as [32, 16] here.
func.func @main() -> tensor<32x16xf32> {
  %w = qcc.external_weight @w1 {source = "SOURCE", format = "safetensors", tensor = "fc1.weight"} : tensor<32x16xf32>
  return %w : tensor<32x16xf32>
}
