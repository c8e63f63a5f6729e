// TEMP
#include "Utils.h"
void qcc::lowering::populateReductionPatterns(mlir::RewritePatternSet &) {}
