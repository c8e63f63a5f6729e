//===- Passes.td - calibration passes -----------------------*- tablegen -*-===//

#ifndef QCC_PASSES_CALIB
#define QCC_PASSES_CALIB

include "mlir/Pass/PassBase.td"

def InsertObservers : Pass<"qcc-insert-observers", "mlir::ModuleOp"> {
  let summary = "Observe the input of every linear layer (calibration builds)";
  let description = [{
    Finds every linear layer: a `qcc.gemm` (not `trans_a`) whose B operand,
    or a 2-D-weight `qcc.matmul` whose right operand, is a constant or a
    `qcc.external_weight`. The layer is named by the op's `qcc.layer`
    attribute, else the external weight's tensor name, else the name of the
    weight's location, else `linear.<n>`. For each distinct input value it
    inserts one `qcc.observe` (before its first linear user) listing the
    layers that read it, with ids 0, 1, ... in program order: q, k and v
    projections of the same normalized hidden state share one observer.

    Example:

    ```mlir
    %q = qcc.gemm %h, %wq {trans_b = true, qcc.layer = "blk.0.attn_q.weight"} ...
    %k = qcc.gemm %h, %wk {trans_b = true, qcc.layer = "blk.0.attn_k.weight"} ...
    // becomes
    qcc.observe %h {id = 0 : i64, layers = ["blk.0.attn_q.weight",
                                            "blk.0.attn_k.weight"]} : tensor<?x64xf32>
    %q = qcc.gemm %h, %wq ...
    %k = qcc.gemm %h, %wk ...
    ```
  }];
  let dependentDialects = ["qcc::QccDialect"];
}

def LowerObservers : Pass<"qcc-lower-observers", "mlir::ModuleOp"> {
  let summary = "Lower qcc.observe to calls of the runtime's qcc_rt_observe_f32";
  let description = [{
    Rewrites every `qcc.observe %x {id}` (x: `[..., K]` f32) into a call of
    the calibration runtime (runtime/observe/Observe.cpp) with `x` viewed as
    a 2-D `[rows, K]` tensor:

    ```
    qcc.observe %x {id = 3}  ⇒  func.call @qcc_rt_observe_f32(%c3, cast(collapse(%x)))
    ```

    The callee is declared `private` with the argument attribute
    `bufferization.access = "read"`, so One-Shot Bufferize passes the buffer
    of `x` without a copy; at the LLVM level the memref becomes its
    descriptor `(allocated, aligned, offset, rows, K, row stride, 1)`.
    Runs before `convert-qcc-to-linalg`. Fails on duplicate ids.

    Example:

    ```mlir
    qcc.observe %h {id = 0 : i64, layers = ["fc1"]} : tensor<?x4x8xf32>
    // becomes
    %c0 = arith.constant 0 : i64
    %r = tensor.collapse_shape %h [[0, 1], [2]] : tensor<?x4x8xf32> into tensor<?x8xf32>
    %d = tensor.cast %r : tensor<?x8xf32> to tensor<?x?xf32>
    func.call @qcc_rt_observe_f32(%c0, %d) : (i64, tensor<?x?xf32>) -> ()
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

// SENS: the run-time weight-delta hooks of qcc --sensitivity=kl.
def InsertDeltaHooks : Pass<"qcc-insert-delta-hooks", "mlir::ModuleOp"> {
  let summary = "Route every linear layer's output through a run-time weight-delta hook";
  let description = [{
    For every linear layer (the rules of `qcc-insert-observers`), the result
    `y = x W^T (+ b)` is replaced by the result of a call of the sensitivity
    runtime (runtime/sensitivity, include/qcc/Runtime/Delta.h):

    ```
    y' = qcc_rt_linear_delta_f32(id, M, N, K, x, y)
       = y + (id == selected ? x dW^T : 0)
    ```

    with `x` and `y` viewed as `[M, K]` and `[M, N]`. The driver selects
    one layer and its `dW` (e.g. `dequant(RTN(W)) - W`) through the
    model.so's `qcc_delta_api_v1` export, so one compiled model measures
    the effect of quantizing any single layer (qcc --sensitivity=kl).
    The hook is emitted already lowered, the way qcc.qlinear is lowered:
    read-only `bufferization.to_buffer` views of x and y, a 64-byte aligned
    `memref.alloc` for y', their aligned pointers passed to a private
    `func.func` declaration, and `bufferization.to_tensor restrict` of the
    result. Layers with the same name share an id (0, 1, ... by first
    appearance); each call carries `qcc.delta_hook = {id, layer}`.
    Cost when no layer is selected: one copy of y per layer.

    Example:

    ```mlir
    %y = qcc.gemm %x, %w {trans_b = true, qcc.layer = "fc"} ... -> tensor<?x4xf32>
    return %y
    // becomes
    %y = qcc.gemm %x, %w ...
    %xb = bufferization.to_buffer %x read_only : tensor<?x8xf32> to memref<?x8xf32>
    %yb = bufferization.to_buffer %y read_only : tensor<?x4xf32> to memref<?x4xf32>
    %out = memref.alloc(%m) {alignment = 64 : i64} : memref<?x4xf32>
    func.call @qcc_rt_linear_delta_f32(%c0, %m64, %c4, %c8, %px, %py, %pout)
        {qcc.delta_hook = {id = 0 : i64, layer = "fc"}} : (i64, i64, i64, i64, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
    %y2 = bufferization.to_tensor %out restrict writable : memref<?x4xf32> to tensor<?x4xf32>
    return %y2
    ```
  }];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::memref::MemRefDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::bufferization::BufferizationDialect"];
}

#endif // QCC_PASSES_CALIB
