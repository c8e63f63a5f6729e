// RUN: qcc-opt %s --convert-qcc-to-linalg | FileCheck %s

// 16-bit float ops that accumulate are computed in f32 and rounded once:
// the f16 operands are extended, the reduction runs on f32, the result is
// truncated back. Softmax also rounds each step of its ONNX function body to
// f16 (x - max, exp, the f32-accumulated sum), as the ONNX reference does.
// CHECK-LABEL: func.func @softmax_f16
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: arith.maxnumf
// CHECK: arith.subf %{{.+}} : f32
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to f16
// CHECK-NEXT: arith.extf %{{.+}} : f16 to f32
// CHECK-NEXT: math.exp %{{.+}} : f32
// CHECK-NEXT: arith.truncf %{{.+}} : f32 to f16
// CHECK-NEXT: arith.extf %{{.+}} : f16 to f32
// CHECK-NEXT: arith.addf %{{.+}} : f32
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK-NEXT: arith.extf %{{.+}} : f16 to f32
// CHECK: arith.divf %{{.+}} : f32
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK-NOT: arith.addf %{{.+}} : f16
func.func @softmax_f16(%x: tensor<2x64xf16>) -> tensor<2x64xf16> {
  %0 = qcc.softmax %x {axis = 1 : i64} : tensor<2x64xf16>
  return %0 : tensor<2x64xf16>
}

// An f32 softmax has no rounding steps.
// CHECK-LABEL: func.func @softmax_f32
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @softmax_f32(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %0 = qcc.softmax %x {axis = 1 : i64} : tensor<2x64xf32>
  return %0 : tensor<2x64xf32>
}

// CHECK-LABEL: func.func @matmul_bf16
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<4x8xf32>, tensor<8x3xf32>) outs(%{{.+}} : tensor<4x3xf32>)
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @matmul_bf16(%a: tensor<4x8xbf16>, %b: tensor<8x3xbf16>) -> tensor<4x3xbf16> {
  %0 = qcc.matmul %a, %b : (tensor<4x8xbf16>, tensor<8x3xbf16>) -> tensor<4x3xbf16>
  return %0 : tensor<4x3xbf16>
}

// Ops that do not accumulate stay in f16.
// CHECK-LABEL: func.func @add_f16
// CHECK-NOT: arith.extf
// CHECK: arith.addf %{{.+}} : f16
func.func @add_f16(%a: tensor<4xf16>, %b: tensor<4xf16>) -> tensor<4xf16> {
  %0 = qcc.add %a, %b : (tensor<4xf16>, tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}
