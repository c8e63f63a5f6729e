// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// Round-trip of qcc.rotary_embedding and qcc.cached_attention.

// CHECK-LABEL: func @rope
func.func @rope(%x: tensor<?x?x9x64xf32>, %pos: tensor<?x?xi64>) -> tensor<?x?x9x64xf32> {
  // CHECK: qcc.rotary_embedding %{{.*}}, %{{.*}} {interleaved = true, theta = 1.000000e+05 : f32} : (tensor<?x?x9x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  %0 = qcc.rotary_embedding %x, %pos {theta = 100000.0 : f32, interleaved = true}
     : (tensor<?x?x9x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  // CHECK: qcc.rotary_embedding %{{.*}}, %{{.*}} {theta = 1.000000e+04 : f32}
  %1 = qcc.rotary_embedding %0, %pos {theta = 10000.0 : f32}
     : (tensor<?x?x9x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  return %1 : tensor<?x?x9x64xf32>
}

// CHECK-LABEL: func @attention
func.func @attention(%q: tensor<?x?x9x64xf32>, %k: tensor<?x?x3x64xf32>, %v: tensor<?x?x3x64xf32>,
                     %pk: tensor<?x?x3x64xf32>, %pv: tensor<?x?x3x64xf32>, %pos: tensor<?x?xi64>)
    -> tensor<?x?x9x64xf32> {
  // CHECK: qcc.cached_attention %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<?x?x9x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  %0 = qcc.cached_attention %q, %k, %v, %pk, %pv, %pos
     : (tensor<?x?x9x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>,
        tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  // CHECK: qcc.cached_attention {{.*}} {scale = 2.500000e-01 : f32}
  %1 = qcc.cached_attention %0, %k, %v, %pk, %pv, %pos {scale = 0.25 : f32}
     : (tensor<?x?x9x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>,
        tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
  return %1 : tensor<?x?x9x64xf32>
}
