// TEMP
#include "Utils.h"
void qcc::lowering::populateNormalizationPatterns(mlir::RewritePatternSet &) {}
