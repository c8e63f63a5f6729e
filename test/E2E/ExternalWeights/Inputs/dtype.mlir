// A BF16 safetensors tensor read as i32: not a conversion qcc makes.
func.func @main(%x: tensor<8xi32>) -> tensor<8xi32> {
  %b = qcc.external_weight @b2 {source = "SOURCE", format = "safetensors", tensor = "fc2.bias"} : tensor<8xi32>
  %y = qcc.add %x, %b : (tensor<8xi32>, tensor<8xi32>) -> tensor<8xi32>
  return %y : tensor<8xi32>
}
