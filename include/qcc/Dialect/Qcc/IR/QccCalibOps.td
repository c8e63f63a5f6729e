//===- QccCalibOps.td - calibration observers ---------------*- tablegen -*-===//
//
// qcc.observe: records the statistics of a linear layer's input during a
// calibration run (docs/Quantization.md, "Calibration").
//
//===----------------------------------------------------------------------===//
#ifndef QCC_CALIB_OPS_TD
#define QCC_CALIB_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_ObserveOp : Qcc_Op<"observe", [MemoryEffects<[MemWrite]>]> {
  let summary = "calibration observer: accumulates statistics of the input of linear layers";
  let description = [{
    Feeds the rows of `input` (an f32 tensor `[..., K]`, read as
    `[prod(leading dims), K]`) to the calibration observer number `id`
    of the running model, which accumulates per-channel absmax, sum |x|,
    sum x, X^T X (f64), the 99.9th percentile of |x| per channel and a
    reservoir sample of rows (runtime/observe). `layers` names the linear
    layers (their `qcc.layer` names) whose input this is: q, k and v
    projections reading the same value share one observer.

    The op returns nothing and has a write effect (on the observer's
    accumulator, outside the IR's memory): it must not be removed as dead
    code, and the value it observes is not changed, so no later use has to
    be rewired (returning `%x` unchanged would force every user of `%x` to
    go through the observer and keep it from being CSE'd or folded away).
    Observers only exist in calibration builds: `qcc-insert-observers`
    adds them, `qcc-lower-observers` turns them into
    `qcc_rt_observe_f32` calls before the conversion to linalg.

    `id` is unique in a module (checked by `qcc-lower-observers`).

    Example:

    ```mlir
    qcc.observe %h {id = 0 : i64,
                    layers = ["blk.0.attn_q.weight", "blk.0.attn_k.weight",
                              "blk.0.attn_v.weight"]} : tensor<?x576xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$input, I64Attr:$id,
                   StrArrayAttr:$layers);
  let results = (outs);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

#endif // QCC_CALIB_OPS_TD
