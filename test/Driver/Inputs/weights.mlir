// A model with a weight stored as a dense_resource blob: y = x + w, w = [1,2,3,4].
module attributes {qcc.source = "weights.mlir"} {
  llvm.mlir.global external constant @qcc_model_metadata_v1("qcc-model-metadata 1\0Asource weights.mlir\0Ainput x f32 1 4 %\0Aoutput y f32 1 4 %\0Aend\0A\00") {addr_space = 0 : i32}
  memref.global "private" constant @w : memref<4xf32> = dense_resource<w_blob> {alignment = 64 : i64}

  func.func @main(%x: memref<4xf32>) -> memref<4xf32>
      attributes {llvm.emit_c_interface, qcc.input_names = ["x"],
                  qcc.output_names = ["y"]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %w = memref.get_global @w : memref<4xf32>
    %y = memref.alloc() {alignment = 64 : i64} : memref<4xf32>
    scf.for %i = %c0 to %c4 step %c1 {
      %a = memref.load %x[%i] : memref<4xf32>
      %b = memref.load %w[%i] : memref<4xf32>
      %s = arith.addf %a, %b : f32
      memref.store %s, %y[%i] : memref<4xf32>
    }
    return %y : memref<4xf32>
  }
}

{-#
  dialect_resources: {
    builtin: {
      w_blob: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
