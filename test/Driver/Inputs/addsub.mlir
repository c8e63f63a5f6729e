// A hand-written model at the memref level: sum = a + b, diff = a - b over a
// dynamic batch of rows of 4 (two results, a symbolic dim shared by inputs).
// It carries its metadata global, so it compiles without @main's signature
// once lowered to the LLVM dialect with upstream passes (see LOWER in tests).
module attributes {qcc.source = "addsub.mlir"} {
  llvm.mlir.global external constant @qcc_model_metadata_v1("qcc-model-metadata 1\0Asource addsub.mlir\0Ainput a f32 2 -1 4 batch %\0Ainput b f32 2 -1 4 batch %\0Aoutput sum f32 2 -1 4 % %\0Aoutput diff f32 2 -1 4 % %\0Aend\0A\00") {addr_space = 0 : i32}

  func.func @main(%a: memref<?x4xf32>, %b: memref<?x4xf32>)
      -> (memref<?x4xf32>, memref<?x4xf32>)
      attributes {llvm.emit_c_interface, qcc.input_names = ["a", "b"],
                  qcc.output_names = ["sum", "diff"],
                  qcc.input_dims = [["batch", ""], ["batch", ""]]} {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    %n = memref.dim %a, %c0 : memref<?x4xf32>
    %sum = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
    %diff = memref.alloc(%n) {alignment = 64 : i64} : memref<?x4xf32>
    scf.for %i = %c0 to %n step %c1 {
      scf.for %j = %c0 to %c4 step %c1 {
        %x = memref.load %a[%i, %j] : memref<?x4xf32>
        %y = memref.load %b[%i, %j] : memref<?x4xf32>
        %s = arith.addf %x, %y : f32
        %d = arith.subf %x, %y : f32
        memref.store %s, %sum[%i, %j] : memref<?x4xf32>
        memref.store %d, %diff[%i, %j] : memref<?x4xf32>
      }
    }
    return %sum, %diff : memref<?x4xf32>, memref<?x4xf32>
  }
}
