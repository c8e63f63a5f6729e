//===- TileAndVectorize.cpp - cache/register tiling and vectorization -----===//
//
// Tiles linalg ops on tensors for an x86-64 target and vectorizes the tiles:
// contractions get a BLIS-like loop nest whose MR x NR micro-tile keeps the C
// accumulator in vector registers across the K loop; elementwise ops are
// vectorized along their innermost dimension. See Passes.td for the shape of
// the generated loops.
//
//===----------------------------------------------------------------------===//

#include "SgemmMatch.h"

#include "qcc/Target/X86/Passes.h"
#include "qcc/Target/X86/TargetInfo.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Linalg/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

#include "llvm/Support/Debug.h"

#define DEBUG_TYPE "qcc-x86-tile-and-vectorize"

namespace qcc::x86 {
#define GEN_PASS_DEF_TILEANDVECTORIZE
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;
using namespace qcc::x86;

namespace {

/// Tile sizes of the contraction loop nest (in elements).
struct MatmulTiles {
  /// Register micro-tile: MR rows of A/C, NR columns of B/C, KR depth per
  /// innermost iteration.
  int64_t mr, nr, kr;
  /// Cache blocks: MC x NC blocks of C per parallel iteration, KC depth per
  /// packed-panel iteration.
  int64_t mc, nc, kc;
};

/// Largest element bit width among the operands of `op` (32 if unknown).
static unsigned maxElementBits(linalg::LinalgOp op) {
  unsigned bits = 0;
  for (Value v : op->getOperands())
    if (auto st = dyn_cast<ShapedType>(v.getType()))
      if (st.getElementType().isIntOrFloat())
        bits = std::max(bits, st.getElementType().getIntOrFloatBitWidth());
  return bits == 0 ? 32 : bits;
}

/// Chooses the micro-tile for the register file of `target`: the MR x NR
/// accumulator plus NR/lanes vectors of B and one broadcast of A must fit.
/// 8x32 f32 on zmm uses 16 + 2 + 1 of 32 registers; 6x16 on ymm 12 + 2 + 1
/// of 16.
static MatmulTiles chooseMatmulTiles(const TargetInfo &target,
                                     unsigned accBits) {
  MatmulTiles t;
  int64_t lanes = target.lanes(std::max(accBits, 8u));
  t.nr = 2 * lanes;
  t.mr = target.numVectorRegisters >= 32 ? 8 : 6;
  t.kr = 1;
  t.mc = t.mr * 8;
  t.nc = t.nr * 8;
  t.kc = 256;
  return t;
}

/// Clamps a tile size to the static extent of its loop: a loop shorter than
/// the tile gets one full, static tile instead of a masked one.
static int64_t clampTile(int64_t tile, int64_t extent) {
  if (ShapedType::isDynamic(extent) || tile == 0)
    return tile;
  return std::min(tile, extent);
}

/// Tiles `op` with `sizes` (0 = not tiled) using scf.forall or scf.for loops,
/// replaces it, and returns the tiled op and the generated loops.
static FailureOr<scf::SCFTilingResult>
tileOnce(RewriterBase &rewriter, TilingInterface op, ArrayRef<int64_t> sizes,
         bool useForall, ArrayRef<int64_t> interchange = {}) {
  if (llvm::all_of(sizes, [](int64_t s) { return s == 0; }))
    return failure();
  scf::SCFTilingOptions options;
  SmallVector<OpFoldResult> ofrs = getAsIndexOpFoldResult(
      op->getContext(), SmallVector<int64_t>(sizes.begin(), sizes.end()));
  options.setTileSizes(ofrs);
  options.setLoopType(useForall ? scf::SCFTilingOptions::LoopType::ForallOp
                                : scf::SCFTilingOptions::LoopType::ForOp);
  if (!interchange.empty())
    options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result =
      scf::tileUsingSCF(rewriter, op, options);
  if (failed(result))
    return failure();
  rewriter.replaceOp(op, result->replacements);
  return result;
}

/// Vectorizes `op` with vector sizes `sizes` (masked where the op's extents
/// are dynamic); ops with a fully static iteration space within `sizes` are
/// vectorized exactly.
static LogicalResult vectorizeTile(RewriterBase &rewriter, Operation *op,
                                   ArrayRef<int64_t> sizes,
                                   bool asContraction = false) {
  auto linalgOp = cast<linalg::LinalgOp>(op);
  SmallVector<int64_t> ranges = linalgOp.getStaticLoopRanges();
  bool isStatic = llvm::none_of(ranges, ShapedType::isDynamic);
  SmallVector<int64_t> vecSizes;
  if (!isStatic)
    vecSizes.assign(sizes.begin(), sizes.end());
  // Bool tensors live in memory one byte per element, but a vector<Nxi1>
  // load or store is bit-packed in LLVM: tiles that read or write i1 memory
  // stay scalar (loads and stores of a single i1 use a whole byte).
  auto isBool = [](Type t) {
    auto shaped = dyn_cast<ShapedType>(t);
    return shaped && shaped.getElementType().isInteger(1);
  };
  if (llvm::any_of(op->getOperandTypes(), isBool) ||
      llvm::any_of(op->getResultTypes(), isBool)) {
    LLVM_DEBUG(llvm::dbgs() << "not vectorizing i1 memory " << *op << "\n");
    return failure();
  }
  // Integer division traps on a zero divisor, and the masked or padded lanes
  // of a vector tile read zeros; x86 has no vector integer division anyway.
  bool hasIntDivision = false;
  op->walk([&](Operation *inner) {
    if (isa<arith::DivSIOp, arith::DivUIOp, arith::RemSIOp, arith::RemUIOp,
            arith::FloorDivSIOp, arith::CeilDivSIOp, arith::CeilDivUIOp>(inner))
      hasIntDivision = true;
  });
  if (hasIntDivision) {
    LLVM_DEBUG(llvm::dbgs() << "not vectorizing integer division " << *op << "\n");
    return failure();
  }
  if (failed(linalg::vectorizeOpPrecondition(op, vecSizes))) {
    LLVM_DEBUG(llvm::dbgs() << "cannot vectorize " << *op << "\n");
    return failure();
  }
  // Fixed-length vectors only (the vectorizer indexes this array by dim).
  SmallVector<bool> scalableDims(vecSizes.size(), false);
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> result =
      linalg::vectorize(rewriter, op, vecSizes, scalableDims,
                        /*vectorizeNDExtract=*/false,
                        /*flatten1DDepthwiseConv=*/false,
                        /*assumeDynamicDimsMatchVecSizes=*/false,
                        // Masked named contractions hit an upstream bug
                        // (masks of the wrong rank); dynamic tiles go
                        // through mul + multi_reduction instead.
                        /*createNamedContraction=*/asContraction && isStatic);
  if (failed(result))
    return failure();
  if (op->getNumResults() != 0)
    rewriter.replaceOp(op, result->replacements);
  else
    rewriter.eraseOp(op);
  return success();
}

/// Peels the last (partial) iteration of `loop` and, recursively, of the
/// `depth - 1` scf.for loops nested directly in it, in the full and in the
/// partial copies alike.
static void peelLoopNest(RewriterBase &rewriter, scf::ForOp loop,
                         unsigned depth) {
  if (depth == 0)
    return;
  scf::ForOp partial;
  bool peeled =
      succeeded(scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial));
  SmallVector<scf::ForOp> copies = {loop};
  if (peeled && partial)
    copies.push_back(partial);
  for (scf::ForOp copy : copies) {
    auto inner = copy.getBody()->getOps<scf::ForOp>();
    if (!inner.empty())
      peelLoopNest(rewriter, *inner.begin(), depth - 1);
  }
}

/// Canonicalizes `region` (folds the constant tile sizes that peeling
/// exposes into static slice shapes).
static LogicalResult canonicalizeRegion(Region &region) {
  MLIRContext *ctx = region.getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateLinalgTilingCanonicalizationPatterns(patterns);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    name.getCanonicalizationPatterns(patterns, ctx);
  return applyPatternsGreedily(region, std::move(patterns));
}

/// Packs B of a 2-D contraction C[m, n] += A[m, k] * B[k, n] (or B[n, k])
/// into NR-column panels and rewrites the contraction on them:
///
///   Bp[nb, k, j] = B[k, nb*NR + j]   (zero-padded to a multiple of NR)
///   Cp[m, nb, j] += A[m, k] * Bp[nb, k, j]
///   C = Cp reshaped to M x Npad, sliced to M x N
///
/// Each micro-tile then streams a contiguous KC x NR panel of B instead of
/// KC rows N floats apart (which alias to a few L1 sets when N*4 is a
/// multiple of 4 KiB). Returns the packed contraction; the linalg ops it
/// creates to produce the packed operands (the B transpose, the C fill) are
/// appended to `newProducers` (only those: the other operands' producers may
/// be roots that the caller tiles later).
static FailureOr<linalg::GenericOp>
packContraction(RewriterBase &rewriter, linalg::LinalgOp op,
                const linalg::ContractionDimensions &dims, int64_t nrBlock,
                SmallVectorImpl<linalg::LinalgOp> &newProducers) {
  if (!dims.batch.empty() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op->getNumRegions() != 1)
    return failure();
  unsigned m = dims.m.front(), n = dims.n.front(), k = dims.k.front();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t M = ranges[m], N = ranges[n], K = ranges[k];
  if (ShapedType::isDynamic(N) || ShapedType::isDynamic(K) ||
      ShapedType::isDynamic(M))
    return failure();
  // Packing costs K*N copies; it pays when each panel is reused for at
  // least a few micro-tiles of rows.
  if (M < 16 || N < nrBlock)
    return failure();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto dimPos = [](AffineMap map, unsigned dim) -> std::optional<unsigned> {
    for (auto [i, e] : llvm::enumerate(map.getResults()))
      if (auto d = dyn_cast<AffineDimExpr>(e); d && d.getPosition() == dim)
        return i;
    return std::nullopt;
  };
  // Which input is B (the one indexed by n)?
  int bIdx = -1;
  for (int i = 0; i < 2; ++i)
    if (maps[i].getNumResults() == 2 && dimPos(maps[i], n))
      bIdx = i;
  int aIdx = 1 - bIdx;
  if (bIdx < 0 || maps[aIdx].getNumResults() != 2 || !dimPos(maps[aIdx], m) ||
      !dimPos(maps[aIdx], k) || !dimPos(maps[bIdx], k) ||
      maps[2].getNumResults() != 2 || *dimPos(maps[2], m) != 0 ||
      *dimPos(maps[2], n) != 1)
    return failure();

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  int64_t nb = llvm::divideCeil(N, nrBlock), nPad = nb * nrBlock;
  Value b = op.getDpsInputOperand(bIdx)->get();
  Value c = op.getDpsInitOperand(0)->get();
  Type bElt = getElementTypeOrSelf(b), cElt = getElementTypeOrSelf(c);
  bool bNK = *dimPos(maps[bIdx], n) == 0;

  // Zero-pads the n dimension (position `nPos`) of a 2-D tensor to nPad.
  auto padN = [&](Value v, unsigned nPos, Type elt) -> Value {
    if (nPad == N)
      return v;
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> shape(type.getShape());
    shape[nPos] = nPad;
    SmallVector<OpFoldResult> low(2, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high(2, rewriter.getIndexAttr(0));
    high[nPos] = rewriter.getIndexAttr(nPad - N);
    Value zero = arith::ConstantOp::create(rewriter, loc, elt,
                                           rewriter.getZeroAttr(elt));
    return tensor::PadOp::create(rewriter, loc,
                                 RankedTensorType::get(shape, elt), v, low,
                                 high, zero);
  };

  // Bp[nb, k, j].
  Value bPadded = padN(b, bNK ? 0 : 1, bElt);
  Value bExpanded;
  SmallVector<int64_t> perm;
  if (bNK) {
    bExpanded = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({nb, nrBlock, K}, bElt), bPadded,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    perm = {0, 2, 1};
  } else {
    bExpanded = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({K, nb, nrBlock}, bElt), bPadded,
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
    perm = {1, 0, 2};
  }
  Value bEmpty = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{nb, K, nrBlock}, bElt);
  auto transpose =
      linalg::TransposeOp::create(rewriter, loc, bExpanded, bEmpty, perm);
  newProducers.push_back(cast<linalg::LinalgOp>(transpose.getOperation()));
  Value bPacked = transpose->getResult(0);

  // Cp[m, nb, j]: a fill of C is recreated on the packed shape.
  auto cpType = RankedTensorType::get({M, nb, nrBlock}, cElt);
  Value cPacked;
  if (auto fill = c.getDefiningOp<linalg::FillOp>()) {
    Value empty = tensor::EmptyOp::create(rewriter, loc, cpType.getShape(),
                                          cElt);
    auto newFill =
        linalg::FillOp::create(rewriter, loc, fill.getInputs()[0], empty);
    newProducers.push_back(cast<linalg::LinalgOp>(newFill.getOperation()));
    cPacked = newFill->getResult(0);
  } else {
    cPacked = tensor::ExpandShapeOp::create(
        rewriter, loc, cpType, padN(c, 1, cElt),
        SmallVector<ReassociationIndices>{{0}, {1, 2}});
  }

  // The packed contraction over (m, nb, j, k), with the original payload.
  MLIRContext *ctx = op->getContext();
  AffineExpr dm = getAffineDimExpr(0, ctx), dnb = getAffineDimExpr(1, ctx),
             dj = getAffineDimExpr(2, ctx), dk = getAffineDimExpr(3, ctx);
  SmallVector<AffineExpr> aExprs(2);
  aExprs[*dimPos(maps[aIdx], m)] = dm;
  aExprs[*dimPos(maps[aIdx], k)] = dk;
  SmallVector<AffineMap> newMaps(3);
  newMaps[aIdx] = AffineMap::get(4, 0, aExprs, ctx);
  newMaps[bIdx] = AffineMap::get(4, 0, {dnb, dk, dj}, ctx);
  newMaps[2] = AffineMap::get(4, 0, {dm, dnb, dj}, ctx);
  SmallVector<Value> inputs(2);
  inputs[aIdx] = op.getDpsInputOperand(aIdx)->get();
  inputs[bIdx] = bPacked;
  SmallVector<utils::IteratorType> iters = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  auto packed = linalg::GenericOp::create(rewriter, loc, TypeRange{cpType},
                                          inputs, ValueRange{cPacked}, newMaps,
                                          iters);
  IRMapping mapping;
  op->getRegion(0).cloneInto(&packed.getRegion(), mapping);

  // C = Cp as M x Npad, sliced to M x N.
  Value collapsed = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({M, nPad}, cElt),
      packed->getResult(0), SmallVector<ReassociationIndices>{{0}, {1, 2}});
  Value result = collapsed;
  if (nPad != N)
    result = tensor::ExtractSliceOp::create(
        rewriter, loc, collapsed,
        getAsIndexOpFoldResult(ctx, ArrayRef<int64_t>{0, 0}),
        getAsIndexOpFoldResult(ctx, ArrayRef<int64_t>{M, N}),
        getAsIndexOpFoldResult(ctx, ArrayRef<int64_t>{1, 1}));
  rewriter.replaceOp(op, result);
  return packed;
}

/// Rewrites a micro-tile of the packed contraction, whose block loop has
/// extent 1, as a plain 2-D contraction over (m, j, k):
///   Cp[m, 0, j] += A[m, k] * Bp[0, k, j]  ⇒  C2[m, j] += A[m, k] * B2[k, j]
/// so that it vectorizes to a vector.contract with a 2-D accumulator.
static FailureOr<linalg::GenericOp> dropUnitBlockDim(RewriterBase &rewriter,
                                                     linalg::LinalgOp tile) {
  if (tile.getNumLoops() != 4 || tile.getStaticLoopRanges()[1] != 1 ||
      tile.getNumDpsInputs() != 2)
    return failure();
  MLIRContext *ctx = tile->getContext();
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  SmallVector<AffineMap> maps = tile.getIndexingMapsArray();
  AffineExpr e0 = getAffineDimExpr(0, ctx), e1 = getAffineDimExpr(1, ctx),
             e2 = getAffineDimExpr(2, ctx);
  // (m, nb, j, k) -> (m, j, k); nb is 0.
  AffineMap project = AffineMap::get(
      3, 0, {e0, getAffineConstantExpr(0, ctx), e1, e2}, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> newMaps;
  for (unsigned i = 0; i < 2; ++i) {
    Value v = tile.getDpsInputOperand(i)->get();
    AffineMap map = maps[i];
    if (map.getNumResults() == 3) { // Bp[nb, k, j] -> B2[k, j]
      v = tensor::CollapseShapeOp::create(
          rewriter, loc, v, SmallVector<ReassociationIndices>{{0, 1}, {2}});
      newMaps.push_back(AffineMap::get(3, 0, {e2, e1}, ctx));
    } else {
      newMaps.push_back(map.compose(project));
    }
    inputs.push_back(v);
  }
  Value init = tile.getDpsInitOperand(0)->get();
  Value init2 = tensor::CollapseShapeOp::create(
      rewriter, loc, init, SmallVector<ReassociationIndices>{{0}, {1, 2}});
  newMaps.push_back(AffineMap::get(3, 0, {e0, e1}, ctx));
  SmallVector<utils::IteratorType> iters = {utils::IteratorType::parallel,
                                            utils::IteratorType::parallel,
                                            utils::IteratorType::reduction};
  auto flat = linalg::GenericOp::create(rewriter, loc, TypeRange{init2.getType()},
                                        inputs, ValueRange{init2}, newMaps,
                                        iters);
  IRMapping mapping;
  tile->getRegion(0).cloneInto(&flat.getRegion(), mapping);
  Value expanded = tensor::ExpandShapeOp::create(
      rewriter, loc, init.getType(), flat->getResult(0),
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
  rewriter.replaceOp(tile, expanded);
  return flat;
}

/// Drops the unit-extent `batch` loops of a contraction micro-tile
/// (generalizing a named op first), leaving a 3-loop contraction.
static FailureOr<linalg::GenericOp>
dropBatchDims(RewriterBase &rewriter, linalg::LinalgOp tile,
              ArrayRef<unsigned> batch) {
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  if (llvm::any_of(batch, [&](unsigned b) { return ranges[b] != 1; }))
    return failure();
  rewriter.setInsertionPoint(tile);
  auto generic = dyn_cast<linalg::GenericOp>(tile.getOperation());
  if (!generic) {
    FailureOr<linalg::GenericOp> generalized =
        linalg::generalizeNamedOp(rewriter, tile);
    if (failed(generalized))
      return failure();
    generic = *generalized;
  }
  linalg::ControlDropUnitDims control;
  SmallVector<unsigned> toDrop(batch.begin(), batch.end());
  control.controlFn = [toDrop](Operation *) {
    return SmallVector<unsigned>(toDrop);
  };
  FailureOr<linalg::DropUnitDimsResult> result =
      linalg::dropUnitDims(rewriter, generic, control);
  if (failed(result))
    return failure();
  rewriter.replaceOp(generic, result->replacements);
  auto flat = dyn_cast<linalg::GenericOp>(result->resultOp.getOperation());
  if (!flat || flat.getNumLoops() != 3)
    return failure();
  return flat;
}

/// Tiles and vectorizes a contraction with one M, one N and one K dimension
/// (plus batch dimensions): forall(batch, M/MC, N/NC) -> for(K/KC) ->
/// for(N/NR) -> for(M/MR) -> for(K/KR) -> vector.contract.
static LogicalResult tileContraction(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     const linalg::ContractionDimensions &dims,
                                     const TargetInfo &target, bool parallel,
                                     std::optional<unsigned> nInner = {}) {
  unsigned m = dims.m.front(), n = dims.n.front(), k = dims.k.front();
  unsigned numLoops = op.getNumLoops();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  Type accType = getElementTypeOrSelf(op.getDpsInitOperand(0)->get());
  unsigned accBits =
      accType.isIntOrFloat() ? accType.getIntOrFloatBitWidth() : 32;
  MatmulTiles t = chooseMatmulTiles(target, accBits);
  int64_t mr = clampTile(t.mr, ranges[m]);
  int64_t kc = clampTile(t.kc, ranges[k]);
  int64_t mc = clampTile(t.mc, ranges[m]);
  // With a packed B (`nInner` set), N is split into blocks `n` of NR
  // columns `nInner`: tiles along `n` count blocks and `nInner` is the
  // vector dimension.
  int64_t nr, nc, nrVec;
  if (nInner) {
    nrVec = ranges[*nInner];
    nr = 1;
    nc = clampTile(std::max<int64_t>(1, t.nc / nrVec), ranges[n]);
  } else {
    nr = clampTile(t.nr, ranges[n]);
    nrVec = nr;
    nc = clampTile(t.nc, ranges[n]);
    if (nc % nr != 0)
      nc = nr * std::max<int64_t>(1, nc / nr);
  }
  // Keep cache blocks multiples of the micro-tile so only the last block of
  // the whole problem has a remainder.
  if (mc % mr != 0)
    mc = mr * std::max<int64_t>(1, mc / mr);

  // Level 1: parallel cache blocks of C.
  SmallVector<int64_t> l1(numLoops, 0);
  for (unsigned b : dims.batch)
    l1[b] = 1;
  l1[m] = mc;
  l1[n] = nc;
  FailureOr<scf::SCFTilingResult> r1 =
      tileOnce(rewriter, cast<TilingInterface>(op.getOperation()), l1,
               parallel);
  if (failed(r1))
    return op->emitError("failed to tile the contraction into cache blocks");
  Operation *cur = r1->tiledOps.back();

  // Level 2: K cache blocks.
  SmallVector<int64_t> l2(numLoops, 0);
  l2[k] = kc;
  if (FailureOr<scf::SCFTilingResult> r2 =
          tileOnce(rewriter, cast<TilingInterface>(cur), l2, false);
      succeeded(r2))
    cur = r2->tiledOps.back();

  // Level 3: register micro-tiles.
  SmallVector<int64_t> l3(numLoops, 0);
  l3[m] = mr;
  l3[n] = nr;
  SmallVector<int64_t> interchange = llvm::to_vector(
      llvm::seq<int64_t>(0, static_cast<int64_t>(numLoops)));
  // Unpacked B: N outer so the KC x NR panel of B stays in L1 while the M
  // loop walks down A. Packed B: M outer so the MR x KC sliver of A stays in
  // L1 while contiguous B panels stream from L2.
  if (!nInner && m < n)
    std::swap(interchange[m], interchange[n]);
  FailureOr<scf::SCFTilingResult> r3 = tileOnce(
      rewriter, cast<TilingInterface>(cur), l3, false, interchange);
  if (succeeded(r3)) {
    // Peel the partial last micro-tile of each loop so that every other
    // micro-tile has a static MR x NR shape (unmasked, hoistable).
    SmallVector<scf::ForOp> toPeel;
    for (LoopLikeOpInterface loop : r3->loops)
      if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation()))
        toPeel.push_back(forOp);
    if (!toPeel.empty())
      peelLoopNest(rewriter, toPeel.front(), toPeel.size());
  }
  // Make the shapes of the peeled full tiles static.
  Operation *outer = r1->loops.front().getOperation();
  if (failed(canonicalizeRegion(outer->getRegion(0))))
    return op->emitError("failed to canonicalize the tiled contraction");

  // Level 4 + vectorization of every micro-tile (full and partial).
  SmallVector<linalg::LinalgOp> tiles;
  outer->walk([&](linalg::LinalgOp tile) { tiles.push_back(tile); });
  for (linalg::LinalgOp tile : tiles) {
    Operation *micro = tile;
    unsigned km = m, kn = n, kk = k, loops = numLoops;
    if (nInner) {
      FailureOr<linalg::GenericOp> flat = dropUnitBlockDim(rewriter, tile);
      if (failed(flat))
        return tile->emitError("unexpected shape of a packed micro-tile");
      micro = *flat;
      km = 0, kn = 1, kk = 2, loops = 3;
    } else if (!dims.batch.empty()) {
      // The micro-tile's batch dimensions have extent 1: drop them so the
      // tile is a plain 2-D contraction (vector.contract, then FMAs).
      if (FailureOr<linalg::GenericOp> flat =
              dropBatchDims(rewriter, tile, dims.batch);
          succeeded(flat)) {
        auto renumber = [&](unsigned d) {
          return d - static_cast<unsigned>(llvm::count_if(
                         dims.batch, [&](unsigned b) { return b < d; }));
        };
        micro = *flat;
        km = renumber(m), kn = renumber(n), kk = renumber(k), loops = 3;
      }
    }
    SmallVector<int64_t> l4(loops, 0);
    l4[kk] = t.kr;
    if (FailureOr<scf::SCFTilingResult> r4 =
            tileOnce(rewriter, cast<TilingInterface>(micro), l4, false);
        succeeded(r4))
      micro = r4->tiledOps.back();
    // A matmul-shaped generic becomes linalg.matmul so that it vectorizes
    // to vector.contract (then FMAs) rather than mulf + addf.
    // Only the canonical maps are specialized: upstream specialization
    // drops the transposition of a (n, k)-indexed B.
    auto generic = dyn_cast<linalg::GenericOp>(micro);
    if (generic && generic.getNumLoops() == 3) {
      MLIRContext *ctx = generic.getContext();
      AffineExpr d0 = getAffineDimExpr(0, ctx), d1 = getAffineDimExpr(1, ctx),
                 d2 = getAffineDimExpr(2, ctx);
      SmallVector<AffineMap> canonical = {AffineMap::get(3, 0, {d0, d2}, ctx),
                                          AffineMap::get(3, 0, {d2, d1}, ctx),
                                          AffineMap::get(3, 0, {d0, d1}, ctx)};
      if (generic.getIndexingMapsArray() != canonical)
        generic = nullptr;
    } else {
      generic = nullptr;
    }
    if (generic) {
      rewriter.setInsertionPoint(generic);
      if (FailureOr<linalg::LinalgOp> named =
              linalg::specializeGenericOp(rewriter, generic);
          succeeded(named))
        micro = *named;
    }
    SmallVector<int64_t> vecSizes(loops, 1);
    vecSizes[km] = mr;
    vecSizes[kn] = nInner ? nrVec : nr;
    vecSizes[kk] = t.kr;
    if (failed(vectorizeTile(rewriter, micro, vecSizes,
                             /*asContraction=*/true)))
      return micro->emitError("failed to vectorize the contraction micro-tile");
  }
  return success();
}

/// Tiles an op whose loops are all parallel: scf.forall over the outer
/// dimensions, scf.for over the innermost one in steps of one vector, and
/// vectorizes the tile (masked at the end of the row).
static LogicalResult tileElementwise(RewriterBase &rewriter,
                                     linalg::LinalgOp op,
                                     const TargetInfo &target, bool parallel) {
  unsigned numLoops = op.getNumLoops();
  if (numLoops == 0)
    return vectorizeTile(rewriter, op, {});
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t vl = target.lanes(maxElementBits(op));
  int64_t inner = numLoops - 1;
  Operation *cur = op;
  SmallVector<int64_t> l1(numLoops, 0);
  if (numLoops >= 2) {
    for (unsigned i = 0; i < inner; ++i)
      l1[i] = 1;
  } else {
    // One-dimensional: parallel chunks of 64 vectors.
    l1[0] = clampTile(64 * vl, ranges[0]);
  }
  if (FailureOr<scf::SCFTilingResult> r1 =
          tileOnce(rewriter, cast<TilingInterface>(cur), l1, parallel);
      succeeded(r1))
    cur = r1->tiledOps.back();
  SmallVector<int64_t> l2(numLoops, 0);
  l2[inner] = clampTile(vl, ranges[inner]);
  if (FailureOr<scf::SCFTilingResult> r2 =
          tileOnce(rewriter, cast<TilingInterface>(cur), l2, false);
      succeeded(r2))
    cur = r2->tiledOps.back();
  SmallVector<int64_t> vecSizes(numLoops, 1);
  vecSizes[inner] = l2[inner];
  return vectorizeTile(rewriter, cur, vecSizes);
}

/// Largest static innermost reduction that tileRowReduction vectorizes whole
/// (one vector<R x f32> per row: LLVM splits it into registers).
constexpr int64_t kMaxVectorRow = 1024;

/// True for an f32 op whose loops are all parallel but the innermost, a
/// reduction of static extent in [8, kMaxVectorRow], with projected
/// permutation maps: the row reductions of softmax and LayerNorm.
static bool isRowReduction(linalg::LinalgOp op) {
  unsigned n = op.getNumLoops();
  if (n == 0 || op.getNumReductionLoops() != 1 || op.getNumDpsInits() != 1)
    return false;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  if (iters[n - 1] != utils::IteratorType::reduction)
    return false;
  int64_t r = op.getStaticLoopRanges()[n - 1];
  if (ShapedType::isDynamic(r) || r < 8 || r > kMaxVectorRow)
    return false;
  for (Value v : op->getOperands()) {
    auto t = dyn_cast<ShapedType>(v.getType());
    if (!t || !t.getElementType().isF32())
      return false;
  }
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return map.isProjectedPermutation();
  });
}

/// A row reduction (isRowReduction): scf.forall over the outer parallel
/// dimensions (one row per iteration) and the row vectorized whole into a
/// vector.multi_reduction (reassociated into a tree when lowered), instead
/// of a scalar loop.
static LogicalResult tileRowReduction(RewriterBase &rewriter,
                                      linalg::LinalgOp op, bool parallel) {
  unsigned n = op.getNumLoops();
  Operation *cur = op;
  if (n > 1) {
    SmallVector<int64_t> l1(n, 1);
    l1[n - 1] = 0;
    FailureOr<scf::SCFTilingResult> r1 =
        tileOnce(rewriter, cast<TilingInterface>(cur), l1, parallel);
    if (failed(r1))
      return failure();
    cur = r1->tiledOps.back();
  }
  // A failure leaves the (tiled) op to the scalar lowering.
  (void)vectorizeTile(rewriter, cur, {});
  return success();
}

/// Distributes the parallel loops of an op that is neither a contraction nor
/// elementwise (reductions, pooling, depthwise convolution) over an
/// scf.forall; the tiles are lowered to scalar loops after bufferization.
static LogicalResult tileParallelDims(RewriterBase &rewriter,
                                      linalg::LinalgOp op, bool parallel) {
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> l1(iters.size(), 0);
  // Tile the outermost parallel dimensions by one until at least one
  // non-trivial loop is distributed; keep inner dimensions whole.
  for (unsigned i = 0; i < iters.size(); ++i) {
    if (iters[i] != utils::IteratorType::parallel)
      break;
    l1[i] = 1;
    if (ranges[i] != 1)
      break;
  }
  (void)tileOnce(rewriter, cast<TilingInterface>(op.getOperation()), l1,
                 parallel);
  return success();
}

/// True when every loop of `op` is parallel and its maps are projected
/// permutations (elementwise with broadcasts / transposes).
static bool isElementwiseLike(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() != 0)
    return false;
  return llvm::all_of(op.getIndexingMapsArray(), [](AffineMap map) {
    return map.isProjectedPermutation();
  });
}

/// Contraction dimensions of `op` if it is a plain (batch) matmul-like op
/// with exactly one M, N and K dimension and all maps projected
/// permutations.
static std::optional<linalg::ContractionDimensions>
getSimpleContraction(linalg::LinalgOp op) {
  if (!linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  // Unit-extent M or N dimensions (e.g. the image index N = 1 of an NCHW
  // im2col, which only B and C carry) are tiled like batch dimensions.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto moveUnitDimsToBatch = [&](SmallVector<unsigned, 2> &group) {
    if (group.size() <= 1)
      return;
    SmallVector<unsigned, 2> kept;
    for (unsigned d : group)
      (ranges[d] == 1 ? dims->batch : kept).push_back(d);
    if (kept.empty()) {
      kept.push_back(dims->batch.back());
      dims->batch.pop_back();
    }
    group = kept;
  };
  moveUnitDimsToBatch(dims->m);
  moveUnitDimsToBatch(dims->n);
  if (dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1)
    return std::nullopt;
  if (dims->batch.size() + 3 != op.getNumLoops())
    return std::nullopt;
  // Upstream masked vectorization of contractions with several batch
  // dimensions produces invalid transfers; those run as loops.
  if (dims->batch.size() > 1)
    return std::nullopt;
  return *dims;
}

/// Applies canonicalization plus folding of tensor subsets into vector
/// transfers, then hoists loop-invariant transfer_read/transfer_write pairs
/// out of loops so accumulators live in registers across the K loop.
static LogicalResult cleanupAndHoist(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  RewritePatternSet patterns(ctx);
  linalg::populateLinalgTilingCanonicalizationPatterns(patterns);
  tensor::populateFoldTensorSubsetOpPatterns(patterns);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
  for (Dialect *dialect : ctx->getLoadedDialects())
    dialect->getCanonicalizationPatterns(patterns);
  for (RegisteredOperationName name : ctx->getRegisteredOperations())
    name.getCanonicalizationPatterns(patterns, ctx);
  if (failed(applyPatternsGreedily(func, std::move(patterns))))
    return failure();
  IRRewriter rewriter(ctx);
  // Post-order walk: inner loops are hoisted first, then their parents.
  func.walk([&](scf::ForOp loop) {
    (void)hoistLoopInvariantSubsets(rewriter,
                                    cast<LoopLikeOpInterface>(*loop));
  });
  return success();
}

/// Packs B when it pays (see packContraction) and tiles the contraction;
/// the B panels are transposed by the elementwise path.
static LogicalResult tileMatmulLike(RewriterBase &rewriter, linalg::LinalgOp op,
                                    const linalg::ContractionDimensions &dims,
                                    const TargetInfo &target, bool parallel) {
  Type accType = getElementTypeOrSelf(op.getDpsInitOperand(0)->get());
  unsigned accBits =
      accType.isIntOrFloat() ? accType.getIntOrFloatBitWidth() : 32;
  MatmulTiles t = chooseMatmulTiles(target, accBits);
  SmallVector<linalg::LinalgOp> newProducers;
  FailureOr<linalg::GenericOp> packed =
      packContraction(rewriter, op, dims, t.nr, newProducers);
  if (failed(packed))
    return tileContraction(rewriter, op, dims, target, parallel);
  // Tile the producers that packing created (transpose, fill) first. The
  // producer of A is left alone: it may be a root the pass tiles later, and
  // tiling it here would leave that root dangling.
  for (linalg::LinalgOp producer : newProducers)
    (void)tileElementwise(rewriter, producer, target, parallel);
  linalg::ContractionDimensions packedDims;
  packedDims.m = {0};
  packedDims.n = {1};
  packedDims.k = {3};
  return tileContraction(rewriter, cast<linalg::LinalgOp>(packed->getOperation()),
                         packedDims, target, parallel, /*nInner=*/2u);
}

struct TileAndVectorizePass
    : public qcc::x86::impl::TileAndVectorizeBase<TileAndVectorizePass> {
  using TileAndVectorizeBase::TileAndVectorizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    llvm::Expected<TargetInfo> targetOr = lookupTarget(target);
    if (!targetOr) {
      func.emitError() << "qcc-x86-tile-and-vectorize: "
                       << llvm::toString(targetOr.takeError());
      return signalPassFailure();
    }
    TargetInfo info = *targetOr;

    // Products that become qcc_rt_sgemm calls read attention's head
    // transposes through strides instead (FoldTransposes.cpp).
    if (skipUKernelMatmuls)
      foldTransposesIntoSgemmOperands(func);

    // Collect the roots first: tiling creates new linalg ops inside loops.
    SmallVector<linalg::LinalgOp> roots;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() &&
          !op->getParentOfType<scf::ForallOp>() &&
          !op->getParentOfType<scf::ForOp>())
        roots.push_back(op);
    });

    // With skip-ukernel-matmuls, the f32 matmuls that become qcc_rt_sgemm
    // calls after bufferization stay whole, and so do fills used only by
    // them (the call folds a zero fill of C) and their bias(+ReLU/GELU)
    // epilogues (the call applies them).
    if (skipUKernelMatmuls) {
      llvm::SmallPtrSet<Operation *, 8> skipped;
      for (linalg::LinalgOp op : roots)
        if (matchSgemm(op))
          skipped.insert(op);
      // So do bias(+ReLU/GELU) epilogues of such a product (used only there),
      // which the call applies in registers (LowerMatmulToUKernel).
      // The epilogue (with its reshapes and init) moves right after the
      // product, so that after bufferization nothing that writes memory
      // lies between them; if it cannot, it is tiled as usual.
      DominanceInfo dom(func);
      for (linalg::LinalgOp op : roots) {
        std::optional<SgemmEpilogue> epilogue = matchSgemmEpilogue(op);
        if (!epilogue)
          continue;
        Value x = op.getDpsInputOperand(epilogue->xInput)->get();
        Value product = stripReshapes(x);
        Operation *mm = product.getDefiningOp();
        if (!product.hasOneUse() || !mm || !skipped.contains(mm) ||
            mm->getBlock() != op->getBlock())
          continue;
        SmallVector<Operation *> chain; // product -> x, in order
        for (Value v = x; v != product; v = v.getDefiningOp()->getOperand(0))
          chain.insert(chain.begin(), v.getDefiningOp());
        auto available = [&](Value v) {
          return dom.properlyDominates(v, mm);
        };
        bool movable = llvm::all_of(chain, [&](Operation *r) {
          return llvm::all_of(r->getOperands().drop_front(), available);
        });
        Value bias = op.getDpsInputOperand(epilogue->biasInput)->get();
        Value init = op.getDpsInitOperand(0)->get();
        auto empty = init.getDefiningOp<tensor::EmptyOp>();
        bool moveInit = !available(init);
        movable = movable && available(bias) &&
                  (!moveInit ||
                   (empty && init.hasOneUse() &&
                    llvm::all_of(empty->getOperands(), available)));
        if (!movable)
          continue;
        Operation *pos = mm;
        for (Operation *r : chain) {
          r->moveAfter(pos);
          pos = r;
        }
        if (moveInit) {
          empty->moveAfter(pos);
          pos = empty;
        }
        op->moveAfter(pos);
        skipped.insert(op);
      }
      auto onlyFeedsSkipped = [&](linalg::LinalgOp op) {
        return isa<linalg::FillOp>(op.getOperation()) && !op->use_empty() &&
               llvm::all_of(op->getUsers(), [&](Operation *user) {
                 return skipped.contains(user);
               });
      };
      llvm::erase_if(roots, [&](linalg::LinalgOp op) {
        return skipped.contains(op) || onlyFeedsSkipped(op);
      });
    }

    IRRewriter rewriter(&getContext());
    // Contractions first: packing looks at the fill that initializes C.
    SmallVector<linalg::LinalgOp> others;
    for (linalg::LinalgOp op : roots) {
      std::optional<linalg::ContractionDimensions> dims =
          getSimpleContraction(op);
      if (!dims) {
        others.push_back(op);
        continue;
      }
      if (failed(tileMatmulLike(rewriter, op, *dims, info, parallel)))
        return signalPassFailure();
    }
    for (linalg::LinalgOp op : others) {
      // Dead after packing (e.g. the fill of an unpacked C): left for the
      // cleanup to erase.
      if (op->getNumResults() != 0 && op->use_empty())
        continue;
      if (isa<linalg::FillOp>(op.getOperation()) && op.getNumLoops() == 0)
        continue;
      if (isElementwiseLike(op)) {
        // Failing to vectorize an elementwise tile (e.g. an unsupported
        // payload op) is not an error: the tile is lowered to loops later.
        (void)tileElementwise(rewriter, op, info, parallel);
        continue;
      }
      if (isRowReduction(op) &&
          succeeded(tileRowReduction(rewriter, op, parallel)))
        continue;
      (void)tileParallelDims(rewriter, op, parallel);
    }
    if (failed(cleanupAndHoist(func)))
      return signalPassFailure();
  }
};

} // namespace
