//===- QccDialect.td - the qcc dialect definition -------------*- tablegen -*-===//
//
// The qcc dialect: tensor-level neural-network operations imported from ONNX,
// safetensors and GGUF, plus quantize/dequantize ops for quantized tensors.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_DIALECT_TD
#define QCC_DIALECT_TD

include "mlir/IR/OpBase.td"

def Qcc_Dialect : Dialect {
  let name = "qcc";
  let cppNamespace = "::qcc";
  let summary = "Tensor-level neural-network operations for the qcc compiler.";
  let description = [{
    The `qcc` dialect holds the operations of a neural network at tensor level,
    close to ONNX semantics (numpy-style broadcasting, NCHW convolutions), on
    ranked tensors whose dimensions may be dynamic (`?`).  Weights are
    `arith.constant` values backed by `dense_resource` blobs, so they never
    appear in textual IR.

    Quantized tensors are expressed in two ways:

    * with upstream `!quant.uniform` element types when the scales are static
      (per-tensor, per-axis, sub-channel);
    * as an integer or small-float storage tensor plus scale and zero-point
      tensors (`qcc.quantize` / `qcc.dequantize` with `axis` and
      `block_size`), which scales to group-wise schemes with millions of
      scales.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect",
                           "::mlir::tensor::TensorDialect"];
}

class Qcc_Op<string mnemonic, list<Trait> traits = []>
    : Op<Qcc_Dialect, mnemonic, traits>;

#endif // QCC_DIALECT_TD
