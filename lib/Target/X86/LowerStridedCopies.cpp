//===- LowerStridedCopies.cpp - non-contiguous memref.copy to loops -------===//

#include "qcc/Target/X86/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_LOWERSTRIDEDCOPIES
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

/// True when the finalize-memref-to-llvm lowering of a copy between `type`s
/// is a plain memcpy (identity layout or statically contiguous strides).
static bool isContiguous(MemRefType type) {
  return type.getLayout().isIdentity() ||
         (type.hasStaticShape() && memref::isStaticShapeAndContiguousRowMajor(type));
}

struct LowerStridedCopiesPass
    : public qcc::x86::impl::LowerStridedCopiesBase<LowerStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto src = dyn_cast<MemRefType>(copy.getSource().getType());
      auto dst = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (src && dst && (!isContiguous(src) || !isContiguous(dst)))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      // memref.copy ⇒ linalg.copy ⇒ scf.for nest of load/store.
      rewriter.setInsertionPoint(copy);
      auto linalgCopy = linalg::CopyOp::create(
          rewriter, copy.getLoc(), copy.getSource(), copy.getTarget());
      rewriter.eraseOp(copy);
      if (failed(linalg::linalgOpToLoops(rewriter, linalgCopy))) {
        linalgCopy.emitError("qcc-x86-lower-strided-copies: cannot lower "
                             "the copy to loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(linalgCopy);
    }
  }
};

} // namespace
