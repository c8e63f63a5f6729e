//===- FuseElementwise.h - contraction-preserving elementwise fusion -----===//
#ifndef QCC_LIB_PIPELINES_FUSEELEMENTWISE_H
#define QCC_LIB_PIPELINES_FUSEELEMENTWISE_H

#include <memory>

namespace mlir {
class Pass;
} // namespace mlir

namespace qcc {
/// Producer-consumer fusion of linalg ops whose loops are all parallel
/// (elementwise chains with broadcasts), plus folding of unit-extent dims and
/// constants, as upstream `linalg-fuse-elementwise-ops` does, except that it
/// never fuses into or across an op with reduction loops (but for a cheap
/// elementwise producer, e.g. softmax's scale, that goes into all its users,
/// row reductions included, none a contraction) and never propagates
/// reshapes through one. Upstream fusion turns
///   %mm = linalg.matmul(%a[128x768], %w) ; expand_shape to 1x128x12x64
/// into a 5-loop contraction generic with two N dims, and fuses a GELU
/// producer into the K loop of the next matmul; neither is a simple
/// contraction any more and both fall to scalar loops in
/// qcc-x86-tile-and-vectorize.
std::unique_ptr<mlir::Pass> createFuseParallelElementwisePass();

/// Registers the pass as `qcc-fuse-parallel-elementwise` (for qcc-opt).
void registerFuseParallelElementwisePass();
} // namespace qcc

#endif // QCC_LIB_PIPELINES_FUSEELEMENTWISE_H
