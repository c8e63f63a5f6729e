// RUN: qcc-opt %s -split-input-file -verify-diagnostics
// Verifier diagnostics of qcc.qlinear and of gguf-packed external weights.

func.func @bad_format(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{format must be uniform, nf4, fp8_e4m3, int8_w8a8, int8_w8a8_azp, f16 or bf16, not 'int4'}}
  %y = qcc.qlinear %x, %w {format = "int4", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @bad_bits(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{scheme uniform bits=7 group_size=32 is not supported by the quantized kernels}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 7 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @nf4_needs_4_bits(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{scheme nf4 bits=8 group_size=32 is not supported by the quantized kernels}}
  %y = qcc.qlinear %x, %w {format = "nf4", bits = 8 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// f16 / bf16 have no scales: the group must be K (128 here).
func.func @f16_group_not_k(%x: tensor<?x128xf32>, %w: tensor<16416xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{scheme f16 bits=16 group_size=32 is not supported by the quantized kernels}}
  %y = qcc.qlinear %x, %w {format = "f16", bits = 16 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<16416xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @bf16_needs_16_bits(%x: tensor<?x128xf32>, %w: tensor<16416xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{scheme bf16 bits=8 group_size=128 is not supported by the quantized kernels}}
  %y = qcc.qlinear %x, %w {format = "bf16", bits = 8 : i64, group_size = 128 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<16416xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @f16_wrong_blob_size(%x: tensor<?x128xf32>, %w: tensor<8224xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{weight must be a 1-D i8 blob of 16416 bytes for W[64, 128], got 'tensor<8224xi8>'}}
  %y = qcc.qlinear %x, %w {format = "f16", bits = 16 : i64, group_size = 128 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<8224xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @group_zero(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{scheme uniform bits=4 group_size=0 is not supported by the quantized kernels}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 0 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @wrong_blob_size(%x: tensor<?x128xf32>, %w: tensor<5151xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{weight must be a 1-D i8 blob of 5152 bytes for W[64, 128], got 'tensor<5151xi8>'}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5151xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @dynamic_k(%x: tensor<4x?xf32>, %w: tensor<5152xi8>) -> tensor<4x64xf32> {
  // expected-error @+1 {{input must have a static last dim (K)}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<4x?xf32>, tensor<5152xi8>) -> tensor<4x64xf32>
  return %y : tensor<4x64xf32>
}

// -----

func.func @bad_bias(%x: tensor<?x128xf32>, %w: tensor<5152xi8>, %b: tensor<32xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{bias must be tensor<64xf32>, got 'tensor<32xf32>'}}
  %y = qcc.qlinear %x, %w, %b {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>, tensor<32xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @bad_result(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x32xf32> {
  // expected-error @+1 {{result must be 2-D with last dim 64, got 'tensor<?x32xf32>'}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

func.func @bad_rows(%x: tensor<4x128xf32>, %w: tensor<5152xi8>) -> tensor<5x64xf32> {
  // expected-error @+1 {{result dim 0 is 5 but the input's is 4}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<4x128xf32>, tensor<5152xi8>) -> tensor<5x64xf32>
  return %y : tensor<5x64xf32>
}

// -----

func.func @bad_layer(%x: tensor<?x128xf32>, %w: tensor<5152xi8>) -> tensor<?x64xf32> {
  // expected-error @+1 {{qcc.layer must be a string attribute}}
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64, qcc.layer = 3 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

func.func @packed_needs_scheme() -> tensor<5152xi8> {
  // expected-error @+1 {{bits and group_size are required for gguf-packed weights}}
  %w = qcc.external_weight @w {source = "m.gguf", format = "gguf-packed", tensor = "t"} : tensor<5152xi8>
  return %w : tensor<5152xi8>
}

// -----

func.func @scheme_only_for_packed() -> tensor<4xf32> {
  // expected-error @+1 {{bits and group_size apply only to gguf-packed weights}}
  %w = qcc.external_weight @w {source = "m.gguf", format = "gguf", tensor = "t", bits = 4 : i64, group_size = 32 : i64} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @packed_is_i8() -> tensor<64x128xf32> {
  // expected-error @+1 {{a gguf-packed weight is a 1-D i8 blob, not 'tensor<64x128xf32>'}}
  %w = qcc.external_weight @w {source = "m.gguf", format = "gguf-packed", tensor = "t", bits = 4 : i64, group_size = 32 : i64} : tensor<64x128xf32>
  return %w : tensor<64x128xf32>
}
