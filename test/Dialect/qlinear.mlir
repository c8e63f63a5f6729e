// RUN: qcc-opt %s | qcc-opt | FileCheck %s
// qcc.qlinear round-trips for the four formats, with and without bias, any
// input rank, with the qcc.layer name. Blob sizes are qcc_rt_qpacked_size:
// 32-byte header + N rows of [f16 scales][f16 mins (uniform)][codes, K padded
// to 64, `bits` bits each] (runtime/kernels/QLayout.h).

// CHECK-LABEL: func.func @uniform4
// CHECK: %[[Y:.*]] = qcc.qlinear %arg0, %arg1, %arg2 {bits = 4 : i64, format = "uniform", group_size = 32 : i64, out_features = 64 : i64, qcc.layer = "blk.0.ffn_up.weight"}
// CHECK-SAME: : (tensor<?x128xf32>, tensor<5152xi8>, tensor<64xf32>) -> tensor<?x64xf32>
func.func @uniform4(%x: tensor<?x128xf32>, %w: tensor<5152xi8>, %b: tensor<64xf32>) -> tensor<?x64xf32> {
  %y = qcc.qlinear %x, %w, %b {format = "uniform", bits = 4 : i64, group_size = 32 : i64,
                               out_features = 64 : i64, qcc.layer = "blk.0.ffn_up.weight"}
     : (tensor<?x128xf32>, tensor<5152xi8>, tensor<64xf32>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @nf4_rank3
// CHECK: qcc.qlinear %arg0, %arg1 {bits = 4 : i64, format = "nf4", group_size = 64 : i64, out_features = 64 : i64}
// CHECK-SAME: (tensor<2x?x128xf32>, tensor<4384xi8>) -> tensor<2x?x64xf32>
func.func @nf4_rank3(%x: tensor<2x?x128xf32>, %w: tensor<4384xi8>) -> tensor<2x?x64xf32> {
  %y = qcc.qlinear %x, %w {format = "nf4", bits = 4 : i64, group_size = 64 : i64, out_features = 64 : i64}
     : (tensor<2x?x128xf32>, tensor<4384xi8>) -> tensor<2x?x64xf32>
  return %y : tensor<2x?x64xf32>
}

// CHECK-LABEL: func.func @fp8_and_w8a8
// CHECK: qcc.qlinear %arg0, %arg1 {bits = 8 : i64, format = "fp8_e4m3", group_size = 64 : i64, out_features = 16 : i64}
// CHECK: qcc.qlinear %arg0, %arg1 {bits = 8 : i64, format = "int8_w8a8", group_size = 64 : i64, out_features = 16 : i64}
func.func @fp8_and_w8a8(%x: tensor<3x64xf32>, %w: tensor<1088xi8>) -> (tensor<3x16xf32>, tensor<3x16xf32>) {
  %a = qcc.qlinear %x, %w {format = "fp8_e4m3", bits = 8 : i64, group_size = 64 : i64, out_features = 16 : i64}
     : (tensor<3x64xf32>, tensor<1088xi8>) -> tensor<3x16xf32>
  %b = qcc.qlinear %x, %w {format = "int8_w8a8", bits = 8 : i64, group_size = 64 : i64, out_features = 16 : i64}
     : (tensor<3x64xf32>, tensor<1088xi8>) -> tensor<3x16xf32>
  return %a, %b : tensor<3x16xf32>, tensor<3x16xf32>
}

// f16 / bf16: 16-bit weights, no scales, group_size = K; a row is K padded
// to 64, 2 bytes each: 32 + 64 * 256 = 16416 bytes (half of f32's 32768);
// K = 83 pads to 128: 32 + 16 * 256 = 4128.
// CHECK-LABEL: func.func @half_formats
// CHECK: qcc.qlinear %arg0, %arg1, %arg3 {bits = 16 : i64, format = "f16", group_size = 128 : i64, out_features = 64 : i64}
// CHECK-SAME: (tensor<?x128xf32>, tensor<16416xi8>, tensor<64xf32>) -> tensor<?x64xf32>
// CHECK: qcc.qlinear %arg2, %arg4 {bits = 16 : i64, format = "bf16", group_size = 83 : i64, out_features = 16 : i64}
// CHECK-SAME: (tensor<3x83xf32>, tensor<4128xi8>) -> tensor<3x16xf32>
func.func @half_formats(%x: tensor<?x128xf32>, %w: tensor<16416xi8>, %x2: tensor<3x83xf32>,
                        %b: tensor<64xf32>, %w2: tensor<4128xi8>) -> (tensor<?x64xf32>, tensor<3x16xf32>) {
  %y = qcc.qlinear %x, %w, %b {format = "f16", bits = 16 : i64, group_size = 128 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<16416xi8>, tensor<64xf32>) -> tensor<?x64xf32>
  %z = qcc.qlinear %x2, %w2 {format = "bf16", bits = 16 : i64, group_size = 83 : i64, out_features = 16 : i64}
     : (tensor<3x83xf32>, tensor<4128xi8>) -> tensor<3x16xf32>
  return %y, %z : tensor<?x64xf32>, tensor<3x16xf32>
}

// A GGUF tensor kept native: a gguf-packed external weight feeds the qlinear.
// CHECK-LABEL: func.func @gguf_native
// CHECK: %[[W:.*]] = qcc.external_weight @wq.blk.0.ffn_up.weight {bits = 4 : i64, format = "gguf-packed", group_size = 32 : i64, source = "/m.gguf", tensor = "blk.0.ffn_up.weight"} : tensor<5152xi8>
// CHECK: qcc.qlinear %arg0, %[[W]]
func.func @gguf_native(%x: tensor<?x128xf32>) -> tensor<?x64xf32> {
  %w = qcc.external_weight @wq.blk.0.ffn_up.weight {source = "/m.gguf", format = "gguf-packed",
         tensor = "blk.0.ffn_up.weight", bits = 4 : i64, group_size = 32 : i64} : tensor<5152xi8>
  %y = qcc.qlinear %x, %w {format = "uniform", bits = 4 : i64, group_size = 32 : i64, out_features = 64 : i64}
     : (tensor<?x128xf32>, tensor<5152xi8>) -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
