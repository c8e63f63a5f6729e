//===- ShapeInference.h - result shapes of qcc ops --------------*- C++ -*-===//
//
// Shape rules shared by the op verifiers and the importers. Shapes use
// mlir::ShapedType::kDynamic for unknown dimensions. Every function fails
// (returning failure) when the operand shapes cannot produce a result, and
// optionally explains why through `why`.
//
//===----------------------------------------------------------------------===//
#ifndef QCC_DIALECT_QCC_IR_SHAPEINFERENCE_H
#define QCC_DIALECT_QCC_IR_SHAPEINFERENCE_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include <string>

namespace qcc {

using Shape = llvm::SmallVector<int64_t, 6>;

/// Numpy multidirectional broadcast of two shapes.
mlir::FailureOr<Shape> broadcastShapes(llvm::ArrayRef<int64_t> a,
                                       llvm::ArrayRef<int64_t> b,
                                       std::string *why = nullptr);

/// True if shape `from` broadcasts to `to` (unidirectional).
bool isBroadcastableTo(llvm::ArrayRef<int64_t> from, llvm::ArrayRef<int64_t> to);

/// Result shape of numpy/ONNX MatMul (1-D operands promoted, batch broadcast).
mlir::FailureOr<Shape> inferMatMulShape(llvm::ArrayRef<int64_t> a,
                                        llvm::ArrayRef<int64_t> b,
                                        std::string *why = nullptr);

/// Output size of one spatial axis of a convolution or pooling window.
int64_t convOutputSize(int64_t in, int64_t kernel, int64_t stride,
                       int64_t padBegin, int64_t padEnd, int64_t dilation,
                       bool ceilMode = false);

/// Result shape of qcc.conv (NC[D]HW input, M x C/g x k... weight).
mlir::FailureOr<Shape> inferConvShape(llvm::ArrayRef<int64_t> input,
                                      llvm::ArrayRef<int64_t> weight,
                                      llvm::ArrayRef<int64_t> strides,
                                      llvm::ArrayRef<int64_t> pads,
                                      llvm::ArrayRef<int64_t> dilations,
                                      int64_t group, std::string *why = nullptr);

/// Result shape of qcc.conv_transpose (weight C x M/g x k...).
mlir::FailureOr<Shape> inferConvTransposeShape(
    llvm::ArrayRef<int64_t> input, llvm::ArrayRef<int64_t> weight,
    llvm::ArrayRef<int64_t> strides, llvm::ArrayRef<int64_t> pads,
    llvm::ArrayRef<int64_t> dilations, llvm::ArrayRef<int64_t> outputPadding,
    int64_t group, std::string *why = nullptr);

/// Result shape of a pooling op over the spatial axes (2..rank).
mlir::FailureOr<Shape> inferPoolShape(llvm::ArrayRef<int64_t> input,
                                      llvm::ArrayRef<int64_t> kernel,
                                      llvm::ArrayRef<int64_t> strides,
                                      llvm::ArrayRef<int64_t> pads,
                                      llvm::ArrayRef<int64_t> dilations,
                                      bool ceilMode, std::string *why = nullptr);

/// Result shape of a reduction over sorted, unique, non-negative `axes`.
mlir::FailureOr<Shape> inferReduceShape(llvm::ArrayRef<int64_t> input,
                                        llvm::ArrayRef<int64_t> axes,
                                        bool keepDims, std::string *why = nullptr);

/// Result shape of a transpose by `perm` (must be a permutation).
mlir::FailureOr<Shape> inferTransposeShape(llvm::ArrayRef<int64_t> input,
                                           llvm::ArrayRef<int64_t> perm,
                                           std::string *why = nullptr);

/// Result shape of concatenating `inputs` along `axis`.
mlir::FailureOr<Shape> inferConcatShape(llvm::ArrayRef<Shape> inputs, int64_t axis,
                                        std::string *why = nullptr);

/// Result shape of ONNX Gather along `axis`.
mlir::FailureOr<Shape> inferGatherShape(llvm::ArrayRef<int64_t> input,
                                        llvm::ArrayRef<int64_t> indices,
                                        int64_t axis, std::string *why = nullptr);

/// Number of elements of a strided slice from `start` (clamped) toward
/// `end` with `step` on an axis of size `dim` (ONNX Slice clamping rules).
int64_t sliceLength(int64_t dim, int64_t &start, int64_t end, int64_t step);

/// Renders a shape as `2x?x4` for diagnostics.
std::string shapeToString(llvm::ArrayRef<int64_t> shape);

/// True if two shapes agree where both are static.
bool shapesCompatible(llvm::ArrayRef<int64_t> a, llvm::ArrayRef<int64_t> b);

} // namespace qcc

#endif // QCC_DIALECT_QCC_IR_SHAPEINFERENCE_H
