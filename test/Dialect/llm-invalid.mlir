// RUN: qcc-opt %s -split-input-file -verify-diagnostics
// Verifier diagnostics of qcc.rotary_embedding and qcc.cached_attention.

func.func @rope_odd(%x: tensor<1x2x4x7xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x7xf32> {
  // expected-error @+1 {{head dimension must be static and even}}
  %0 = qcc.rotary_embedding %x, %pos {theta = 10000.0 : f32} : (tensor<1x2x4x7xf32>, tensor<1x2xi64>) -> tensor<1x2x4x7xf32>
  return %0 : tensor<1x2x4x7xf32>
}

// -----

func.func @rope_positions(%x: tensor<1x2x4x8xf32>, %pos: tensor<1x3xi64>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{positions must be [B, S]}}
  %0 = qcc.rotary_embedding %x, %pos {theta = 10000.0 : f32} : (tensor<1x2x4x8xf32>, tensor<1x3xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @rope_rank(%x: tensor<2x4x8xf32>, %pos: tensor<1x2xi64>) -> tensor<2x4x8xf32> {
  // expected-error @+1 {{input must be [B, S, H, D], got rank 3}}
  %0 = qcc.rotary_embedding %x, %pos {theta = 10000.0 : f32} : (tensor<2x4x8xf32>, tensor<1x2xi64>) -> tensor<2x4x8xf32>
  return %0 : tensor<2x4x8xf32>
}

// -----

func.func @rope_theta(%x: tensor<1x2x4x8xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{theta must be positive}}
  %0 = qcc.rotary_embedding %x, %pos {theta = 0.0 : f32} : (tensor<1x2x4x8xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @gqa_groups(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x3x8xf32>, %pk: tensor<5x1x3x8xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{query heads (4) must be a multiple of key/value heads (3)}}
  %0 = qcc.cached_attention %q, %k, %k, %pk, %pk, %pos
     : (tensor<1x2x4x8xf32>, tensor<1x2x3x8xf32>, tensor<1x2x3x8xf32>, tensor<5x1x3x8xf32>, tensor<5x1x3x8xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @past_layout(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %pk: tensor<1x5x2x8xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{past_key must be [P, B, Hkv, D] = [P, ?, 2, 8], got 1x5x2x8}}
  %0 = qcc.cached_attention %q, %k, %k, %pk, %pk, %pos
     : (tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<1x5x2x8xf32>, tensor<1x5x2x8xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @key_dim(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x4xf32>, %pk: tensor<5x1x2x4xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x8xf32> {
  // expected-error @+1 {{key must be [B, S, Hkv, D] matching query 1x2x4x8, got 1x2x2x4}}
  %0 = qcc.cached_attention %q, %k, %k, %pk, %pk, %pos
     : (tensor<1x2x4x8xf32>, tensor<1x2x2x4xf32>, tensor<1x2x2x4xf32>, tensor<5x1x2x4xf32>, tensor<5x1x2x4xf32>, tensor<1x2xi64>) -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}

// -----

func.func @result_type(%q: tensor<1x2x4x8xf32>, %k: tensor<1x2x2x8xf32>, %pk: tensor<5x1x2x8xf32>, %pos: tensor<1x2xi64>) -> tensor<1x2x4x4xf32> {
  // expected-error @+1 {{result type must equal the query type}}
  %0 = qcc.cached_attention %q, %k, %k, %pk, %pk, %pos
     : (tensor<1x2x4x8xf32>, tensor<1x2x2x8xf32>, tensor<1x2x2x8xf32>, tensor<5x1x2x8xf32>, tensor<5x1x2x8xf32>, tensor<1x2xi64>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
