// A hand-written model whose loop runs through the runtime's thread pool
// (Contract 3): y = 2 * x for x : f32[1024], the body outlined by hand.
module attributes {qcc.source = "scale.mlir"} {
  llvm.mlir.global external constant @qcc_model_metadata_v1("qcc-model-metadata 1\0Asource scale.mlir\0Ainput x f32 1 1024 %\0Aoutput y f32 1 1024 %\0Aend\0A\00") {addr_space = 0 : i32}

  llvm.func @qcc_rt_parallel_for(i64, i64, !llvm.ptr, !llvm.ptr)

  // body(lo, hi, ctx): ctx = {ptr x, ptr y}; y[i] = 2 * x[i] for i in [lo, hi).
  llvm.func @scale_body(%lo: i64, %hi: i64, %ctx: !llvm.ptr) {
    %x = llvm.load %ctx : !llvm.ptr -> !llvm.ptr
    %yslot = llvm.getelementptr %ctx[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    %y = llvm.load %yslot : !llvm.ptr -> !llvm.ptr
    %two = llvm.mlir.constant(2.0 : f32) : f32
    %one = llvm.mlir.constant(1 : i64) : i64
    llvm.br ^loop(%lo : i64)
  ^loop(%i: i64):
    %c = llvm.icmp "slt" %i, %hi : i64
    llvm.cond_br %c, ^body, ^exit
  ^body:
    %px = llvm.getelementptr %x[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    %v = llvm.load %px : !llvm.ptr -> f32
    %w = llvm.fmul %v, %two : f32
    %py = llvm.getelementptr %y[%i] : (!llvm.ptr, i64) -> !llvm.ptr, f32
    llvm.store %w, %py : f32, !llvm.ptr
    %next = llvm.add %i, %one : i64
    llvm.br ^loop(%next : i64)
  ^exit:
    llvm.return
  }

  func.func @main(%x: memref<1024xf32>) -> memref<1024xf32>
      attributes {llvm.emit_c_interface, qcc.input_names = ["x"],
                  qcc.output_names = ["y"]} {
    %y = memref.alloc() {alignment = 64 : i64} : memref<1024xf32>
    %xi = memref.extract_aligned_pointer_as_index %x : memref<1024xf32> -> index
    %yi = memref.extract_aligned_pointer_as_index %y : memref<1024xf32> -> index
    %xi64 = arith.index_cast %xi : index to i64
    %yi64 = arith.index_cast %yi : index to i64
    %xp = llvm.inttoptr %xi64 : i64 to !llvm.ptr
    %yp = llvm.inttoptr %yi64 : i64 to !llvm.ptr
    %one = llvm.mlir.constant(1 : i64) : i64
    %ctx = llvm.alloca %one x !llvm.array<2 x ptr> : (i64) -> !llvm.ptr
    llvm.store %xp, %ctx : !llvm.ptr, !llvm.ptr
    %slot1 = llvm.getelementptr %ctx[1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
    llvm.store %yp, %slot1 : !llvm.ptr, !llvm.ptr
    %fn = llvm.mlir.addressof @scale_body : !llvm.ptr
    %lb = llvm.mlir.constant(0 : i64) : i64
    %ub = llvm.mlir.constant(1024 : i64) : i64
    llvm.call @qcc_rt_parallel_for(%lb, %ub, %fn, %ctx) : (i64, i64, !llvm.ptr, !llvm.ptr) -> ()
    return %y : memref<1024xf32>
  }
}
