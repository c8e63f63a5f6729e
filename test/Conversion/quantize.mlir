// RUN: qcc-opt %s --convert-qcc-to-linalg --split-input-file --verify-diagnostics | FileCheck %s

// Blocked i4: the scale and zero point are read at d1 floordiv block_size;
// round half to even, add the zero point, saturate to [-8, 7], truncate to i4.
// CHECK-DAG: #[[BLK:.+]] = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
// CHECK-LABEL: func.func @quantize_blocked_i4
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[BLK]], #[[BLK]], #{{.+}}]
// CHECK-SAME: ins(%arg0, %arg1, %arg2 : tensor<64x128xf32>, tensor<64x4xf32>, tensor<64x4xi4>)
// CHECK: arith.divf
// CHECK: arith.sitofp %{{.+}} : i4 to f32
// CHECK: math.roundeven
// CHECK: arith.addf
// CHECK: arith.maximumf %{{.+}}, %cst{{.*}} : f32
// CHECK: arith.minimumf
// CHECK: arith.fptosi
// CHECK: arith.trunci %{{.+}} : i64 to i4
func.func @quantize_blocked_i4(%w: tensor<64x128xf32>, %s: tensor<64x4xf32>, %z: tensor<64x4xi4>) -> tensor<64x128xi4> {
  %q = qcc.quantize %w, %s, %z {axis = 1 : i64, block_size = 32 : i64} : (tensor<64x128xf32>, tensor<64x4xf32>, tensor<64x4xi4>) -> tensor<64x128xi4>
  return %q : tensor<64x128xi4>
}

// -----

// Per-axis dequantize of unsigned storage: uitofp, subtract, scale; the
// function signature becomes signless.
// CHECK-DAG: #[[AX:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @dequantize_per_axis
// CHECK-SAME: %arg0: tensor<64x128xi8>
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[AX]], #[[AX]], #{{.+}}]
// CHECK: arith.uitofp %{{.+}} : i8 to f32
// CHECK: arith.subf
// CHECK: arith.mulf
func.func @dequantize_per_axis(%q: tensor<64x128xui8>, %s: tensor<64xf32>, %z: tensor<64xui8>) -> tensor<64x128xf32> {
  %w = qcc.dequantize %q, %s, %z {axis = 0 : i64} : (tensor<64x128xui8>, tensor<64xf32>, tensor<64xui8>) -> tensor<64x128xf32>
  return %w : tensor<64x128xf32>
}

// -----

// f8 storage saturates to +-448 (the largest f8E4M3FN) and rounds by truncf.
// CHECK-LABEL: func.func @quantize_f8
// CHECK: arith.maxnumf %{{.+}}, %cst{{.*}} : f32
// CHECK: arith.minnumf
// CHECK: arith.truncf %{{.+}} : f32 to f8E4M3FN
func.func @quantize_f8(%x: tensor<16xf32>, %s: tensor<f32>) -> tensor<16xf8E4M3FN> {
  %q = qcc.quantize %x, %s : (tensor<16xf32>, tensor<f32>) -> tensor<16xf8E4M3FN>
  return %q : tensor<16xf8E4M3FN>
}

// -----

// Static !quant.uniform parameters become constants; the storage is
// reinterpreted with quant.scast.
// CHECK-LABEL: func.func @quantize_uniform
// CHECK-DAG: %[[S:.+]] = arith.constant dense<5.000000e-01> : tensor<f32>
// CHECK-DAG: %[[Z:.+]] = arith.constant dense<3> : tensor<i8>
// CHECK: %[[Q:.+]] = linalg.generic {{.*}}ins(%arg0, %[[S]], %[[Z]] :
// CHECK: quant.scast %[[Q]] : tensor<8xi8> to tensor<8x!quant.uniform<i8:f32, 5.000000e-01:3>>
func.func @quantize_uniform(%x: tensor<8xf32>) -> tensor<8x!quant.uniform<i8:f32, 0.5:3>> {
  %q = qcc.quantize %x : (tensor<8xf32>) -> tensor<8x!quant.uniform<i8:f32, 0.5:3>>
  return %q : tensor<8x!quant.uniform<i8:f32, 0.5:3>>
}
