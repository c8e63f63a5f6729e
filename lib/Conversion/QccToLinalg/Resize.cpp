// TEMP
#include "Utils.h"
void qcc::lowering::populateResizePatterns(mlir::RewritePatternSet &) {}
