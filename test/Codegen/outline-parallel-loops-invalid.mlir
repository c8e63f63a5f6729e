// RUN: qcc-opt %s -qcc-outline-parallel-loops -verify-diagnostics

func.func @tensors(%t: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{qcc-outline-parallel-loops: scf.forall still has tensor results; run it after bufferization}}
  %r = scf.forall (%i) in (8) shared_outs(%o = %t) -> (tensor<8xf32>) {
    scf.forall.in_parallel {
    }
  }
  return %r : tensor<8xf32>
}
