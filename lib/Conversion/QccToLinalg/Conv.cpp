// TEMP
#include "Utils.h"
void qcc::lowering::populateConvPatterns(mlir::RewritePatternSet &) {}
mlir::FailureOr<mlir::Value> qcc::lowering::buildConv(mlir::OpBuilder &, mlir::Location, mlir::Value, mlir::Value, mlir::Value, llvm::ArrayRef<int64_t>, llvm::ArrayRef<int64_t>, llvm::ArrayRef<int64_t>, int64_t, mlir::RankedTensorType) { return mlir::failure(); }
