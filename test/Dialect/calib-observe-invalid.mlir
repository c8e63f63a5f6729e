// qcc.observe verifier errors.
// RUN: qcc-opt %s -split-input-file -verify-diagnostics

func.func @negative_id(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{id must be non-negative, got -1}}
  qcc.observe %x {id = -1 : i64, layers = ["fc"]} : tensor<?x8xf32>
  return
}

// -----

func.func @no_layers(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{needs at least one layer name}}
  qcc.observe %x {id = 0 : i64, layers = []} : tensor<?x8xf32>
  return
}

// -----

func.func @empty_name(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{layer names must not be empty}}
  qcc.observe %x {id = 0 : i64, layers = [""]} : tensor<?x8xf32>
  return
}

// -----

func.func @dynamic_channels(%x: tensor<8x?xf32>) {
  // expected-error @+1 {{input channel (last) dimension must be static}}
  qcc.observe %x {id = 0 : i64, layers = ["fc"]} : tensor<8x?xf32>
  return
}

// -----

func.func @not_f32(%x: tensor<?x8xf16>) {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  qcc.observe %x {id = 0 : i64, layers = ["fc"]} : tensor<?x8xf16>
  return
}
