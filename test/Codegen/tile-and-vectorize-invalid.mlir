// RUN: qcc-opt %s -qcc-x86-tile-and-vectorize=target=sse2 -verify-diagnostics

// expected-error @+1 {{qcc-x86-tile-and-vectorize: unknown target 'sse2'; valid targets are: avx512, avx2, native}}
func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
