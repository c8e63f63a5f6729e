//===- OutlineParallelLoops.cpp - scf.forall to qcc_rt_parallel_for -------===//
//
// Contract 3 of docs/Design.md: generated code never creates threads. Each
// outermost scf.forall (on buffers) becomes a private function
//   void body(int64_t lo, int64_t hi, void *ctx)
// that runs the linearized iterations [lo, hi), and a call
//   qcc_rt_parallel_for(0, tripCount, body, ctx)
// where ctx points to a stack struct with every captured value. Captured
// values are stored in their LLVM form (memref descriptors, i64 for index);
// the bridging unrealized_conversion_casts disappear in
// reconcile-unrealized-casts at the end of the LLVM lowering.
//
//===----------------------------------------------------------------------===//

#include "qcc/Target/X86/Passes.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"

namespace qcc::x86 {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "qcc/Target/X86/Passes.h.inc"
} // namespace qcc::x86

using namespace mlir;

namespace {

/// Materializes an OpFoldResult as an index value.
static Value toIndex(OpBuilder &b, Location loc, OpFoldResult ofr) {
  if (auto v = dyn_cast<Value>(ofr))
    return v;
  return arith::ConstantIndexOp::create(
      b, loc, cast<IntegerAttr>(cast<Attribute>(ofr)).getInt());
}

/// Trip count of each dimension of `loop`: ceil((ub - lb) / step), built
/// with `b` from values looked up through `map`.
static SmallVector<Value> buildTripCounts(OpBuilder &b, Location loc,
                                          scf::ForallOp loop,
                                          const IRMapping &map) {
  SmallVector<Value> counts;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getMixedLowerBound(), loop.getMixedUpperBound(),
                 loop.getMixedStep())) {
    Value l = map.lookupOrDefault(toIndex(b, loc, lb));
    Value u = map.lookupOrDefault(toIndex(b, loc, ub));
    Value s = map.lookupOrDefault(toIndex(b, loc, step));
    Value diff = arith::SubIOp::create(b, loc, u, l);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value count = arith::CeilDivSIOp::create(b, loc, diff, s);
    counts.push_back(arith::MaxSIOp::create(b, loc, count, zero));
  }
  return counts;
}

/// Returns true when `v` is best rematerialized in the body rather than
/// captured (constants).
static bool isRematerializable(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->getNumRegions() == 0 &&
         def->hasTrait<OpTrait::ConstantLike>();
}

struct OutlineParallelLoopsPass
    : public qcc::x86::impl::OutlineParallelLoopsBase<
          OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ForallOp> loops;
    module.walk([&](scf::ForallOp loop) {
      if (!loop->getParentOfType<scf::ForallOp>())
        loops.push_back(loop);
    });
    if (loops.empty())
      return;

    LLVMTypeConverter converter(&getContext());
    SymbolTable symbols(module);
    func::FuncOp runtimeFn = getOrDeclareRuntime(module, symbols);
    for (scf::ForallOp loop : loops)
      if (failed(outline(loop, runtimeFn, converter, symbols)))
        return signalPassFailure();
  }

  /// Declares `void qcc_rt_parallel_for(i64, i64, fn, ptr)` once.
  func::FuncOp getOrDeclareRuntime(ModuleOp module, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    if (auto existing =
            symbols.lookup<func::FuncOp>(qcc::x86::kParallelForName))
      return existing;
    OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
    Type i64 = IntegerType::get(ctx, 64);
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    FunctionType bodyType = FunctionType::get(ctx, {i64, i64, ptr}, {});
    FunctionType fnType =
        FunctionType::get(ctx, {i64, i64, bodyType, ptr}, {});
    auto fn = func::FuncOp::create(b, module.getLoc(),
                                   qcc::x86::kParallelForName, fnType);
    fn.setPrivate();
    symbols.insert(fn);
    return fn;
  }

  LogicalResult outline(scf::ForallOp loop, func::FuncOp runtimeFn,
                        LLVMTypeConverter &converter, SymbolTable &symbols) {
    MLIRContext *ctx = &getContext();
    Location loc = loop.getLoc();
    if (loop.getNumResults() != 0)
      return loop.emitError("qcc-outline-parallel-loops: scf.forall still has "
                            "tensor results; run it after bufferization");
    auto parentFn = loop->getParentOfType<func::FuncOp>();
    if (!parentFn)
      return loop.emitError("qcc-outline-parallel-loops: scf.forall outside "
                            "of a func.func");

    // Values the loop uses from above: its body's captures plus dynamic
    // bounds (needed to delinearize the iteration index in the body).
    llvm::SetVector<Value> used;
    getUsedValuesDefinedAbove(loop.getRegion(), used);
    for (Value v : loop.getOperands())
      used.insert(v);
    SmallVector<Value> captures, remat;
    for (Value v : used)
      (isRematerializable(v) ? remat : captures).push_back(v);

    SmallVector<Type> fieldTypes;
    for (Value v : captures) {
      Type t = converter.convertType(v.getType());
      if (!t || !LLVM::isCompatibleType(t))
        return loop.emitError("qcc-outline-parallel-loops: cannot pass a "
                              "value of type ")
               << v.getType() << " to the outlined body";
      fieldTypes.push_back(t);
    }
    auto structType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
    Type ptrType = LLVM::LLVMPointerType::get(ctx);
    Type i64 = IntegerType::get(ctx, 64);
    Type i32 = IntegerType::get(ctx, 32);

    // The body function.
    OpBuilder moduleBuilder(parentFn);
    FunctionType bodyType = FunctionType::get(ctx, {i64, i64, ptrType}, {});
    auto body = func::FuncOp::create(moduleBuilder, loc,
                                     (parentFn.getName() + "_par").str(),
                                     bodyType);
    body.setPrivate();
    // Internal linkage: the body is reached only through its address, and
    // must not clash with symbols of other objects linked into model.so.
    body->setAttr("llvm.linkage",
                  LLVM::LinkageAttr::get(ctx, LLVM::Linkage::Internal));
    symbols.insert(body); // renames on collision
    Block *entry = body.addEntryBlock();
    OpBuilder b = OpBuilder::atBlockBegin(entry);
    IRMapping map;
    for (Value v : remat)
      map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
    for (auto [i, v] : llvm::enumerate(captures)) {
      Value addr = LLVM::GEPOp::create(
          b, loc, ptrType, structType, entry->getArgument(2),
          ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
      Value loaded = LLVM::LoadOp::create(b, loc, fieldTypes[i], addr);
      if (fieldTypes[i] != v.getType())
        loaded = UnrealizedConversionCastOp::create(b, loc, v.getType(),
                                                    loaded)
                     .getResult(0);
      map.map(v, loaded);
    }
    SmallVector<Value> counts = buildTripCounts(b, loc, loop, map);
    Type indexType = b.getIndexType();
    Value lo = arith::IndexCastOp::create(b, loc, indexType,
                                          entry->getArgument(0));
    Value hi = arith::IndexCastOp::create(b, loc, indexType,
                                          entry->getArgument(1));
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto forOp = scf::ForOp::create(b, loc, lo, hi, one);
    func::ReturnOp::create(b, loc);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(forOp.getBody());
      // Delinearize: the last dimension varies fastest.
      Value rest = forOp.getInductionVar();
      SmallVector<Value> ivs(counts.size());
      for (int64_t d = static_cast<int64_t>(counts.size()) - 1; d >= 0; --d) {
        Value idx = d == 0 ? rest
                           : arith::RemUIOp::create(b, loc, rest, counts[d])
                                 .getResult();
        if (d != 0)
          rest = arith::DivUIOp::create(b, loc, rest, counts[d]);
        Value lb = map.lookupOrDefault(
            toIndex(b, loc, loop.getMixedLowerBound()[d]));
        Value step =
            map.lookupOrDefault(toIndex(b, loc, loop.getMixedStep()[d]));
        Value scaled = arith::MulIOp::create(b, loc, idx, step);
        ivs[d] = arith::AddIOp::create(b, loc, lb, scaled);
      }
      for (auto [iv, v] : llvm::zip(loop.getInductionVars(), ivs))
        map.map(iv, v);
      for (Operation &op : loop.getBody()->without_terminator())
        b.clone(op, map);
    }

    // The call site: fill the context struct and call the runtime.
    OpBuilder caller(loop);
    Value ctxPtr;
    if (captures.empty()) {
      ctxPtr = LLVM::ZeroOp::create(caller, loc, ptrType);
    } else {
      OpBuilder entryBuilder =
          OpBuilder::atBlockBegin(&parentFn.getBody().front());
      Value size = LLVM::ConstantOp::create(entryBuilder, loc, i32,
                                            entryBuilder.getI32IntegerAttr(1));
      ctxPtr = LLVM::AllocaOp::create(entryBuilder, loc, ptrType, structType,
                                      size, /*alignment=*/8);
      for (auto [i, v] : llvm::enumerate(captures)) {
        Value stored = v;
        if (fieldTypes[i] != v.getType())
          stored = UnrealizedConversionCastOp::create(caller, loc,
                                                      fieldTypes[i], v)
                       .getResult(0);
        Value addr = LLVM::GEPOp::create(
            caller, loc, ptrType, structType, ctxPtr,
            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
        LLVM::StoreOp::create(caller, loc, stored, addr);
      }
    }
    IRMapping identity;
    SmallVector<Value> outerCounts =
        buildTripCounts(caller, loc, loop, identity);
    Value total = arith::ConstantIndexOp::create(caller, loc, 1);
    for (Value c : outerCounts)
      total = arith::MulIOp::create(caller, loc, total, c);
    Value zero64 = arith::ConstantIntOp::create(caller, loc, i64, 0);
    Value total64 = arith::IndexCastOp::create(caller, loc, i64, total);
    Value fnAddr = func::ConstantOp::create(caller, loc, bodyType,
                                            SymbolRefAttr::get(body));
    func::CallOp::create(caller, loc, runtimeFn,
                         ValueRange{zero64, total64, fnAddr, ctxPtr});
    loop.erase();
    return success();
  }
};

} // namespace
