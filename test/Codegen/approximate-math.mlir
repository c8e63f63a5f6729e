// RUN: qcc-opt %s -qcc-x86-approximate-math | FileCheck %s

// tanh, erf and exp on vectors become arithmetic (FMAs, selects), which stay
// vectorized, instead of per-element libm calls.
// CHECK-LABEL: func.func @activations
// CHECK-NOT: math.tanh
// CHECK-NOT: math.erf
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<16xf32>
// CHECK: return
func.func @activations(%x: vector<16xf32>) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
  %t = math.tanh %x : vector<16xf32>
  %e = math.erf %x : vector<16xf32>
  %x2 = math.exp %x : vector<16xf32>
  return %t, %e, %x2 : vector<16xf32>, vector<16xf32>, vector<16xf32>
}
