// RUN: qcc-opt %s -split-input-file -verify-diagnostics
// Verifier diagnostics of qcc.external_weight.

func.func @bad_format() -> tensor<4xf32> {
  // expected-error @+1 {{format must be gguf, safetensors, raw or gguf-packed, not 'npy'}}
  %w = qcc.external_weight @w {source = "w.npy", format = "npy", tensor = "w"} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @no_source() -> tensor<4xf32> {
  // expected-error @+1 {{needs a non-empty source file path}}
  %w = qcc.external_weight @w {source = "", format = "gguf", tensor = "w"} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @no_tensor() -> tensor<4xf32> {
  // expected-error @+1 {{needs a non-empty tensor name}}
  %w = qcc.external_weight @w {source = "m.gguf", format = "gguf", tensor = ""} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @offset_not_raw() -> tensor<4xf32> {
  // expected-error @+1 {{offset applies to raw sources only}}
  %w = qcc.external_weight @w {source = "m.gguf", format = "gguf", tensor = "w", offset = 8 : i64} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @negative_offset() -> tensor<4xf32> {
  // expected-error @+1 {{offset must be non-negative, got -8}}
  %w = qcc.external_weight @w {source = "m.bin", format = "raw", tensor = "w", offset = -8 : i64} : tensor<4xf32>
  return %w : tensor<4xf32>
}

// -----

func.func @dynamic_shape() -> tensor<?xf32> {
  // expected-error @+1 {{must be statically shaped tensor}}
  %w = qcc.external_weight @w {source = "m.bin", format = "raw", tensor = "w"} : tensor<?xf32>
  return %w : tensor<?xf32>
}

// -----

func.func @sub_byte() -> tensor<4xi4> {
  // expected-error @+1 {{element type 'i4' is not a whole number of bytes}}
  %w = qcc.external_weight @w {source = "m.bin", format = "raw", tensor = "w"} : tensor<4xi4>
  return %w : tensor<4xi4>
}
