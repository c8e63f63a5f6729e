// TEMP
#include "Utils.h"
void qcc::lowering::populatePoolPatterns(mlir::RewritePatternSet &) {}
