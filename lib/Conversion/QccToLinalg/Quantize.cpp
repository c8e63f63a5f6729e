// TEMP
#include "Utils.h"
void qcc::lowering::populateQuantizePatterns(mlir::RewritePatternSet &) {}
