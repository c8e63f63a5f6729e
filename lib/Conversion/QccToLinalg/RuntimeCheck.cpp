//===- RuntimeCheck.cpp - run-time checks that report through the runtime -===//
//
// A check of a value only known at run time (a Reshape whose target shape is a
// model input, ...) lowers to
//
//   scf.if %failed {
//     func.call @qcc_rt_check_failed(%message, %actual, %expected)
//   }
//
// where %message points to a constant string naming the node. The runtime
// linked into every model.so records the first failure of the run in
// thread-local state and `run` returns QCC_STATUS_INVALID_ARGUMENT with the
// message instead of the outputs (runtime/ModelRuntime.cpp). The caller of
// emitRuntimeCheck must also make the code after a failed check safe (e.g.
// give the result zero elements), since execution continues to the end of
// the function.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/Hashing.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qcc;
using namespace qcc::lowering;

namespace {

/// Finds the first NameLoc (the ONNX node name) inside `loc`.
std::optional<StringRef> findName(Location loc) {
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().getValue();
  if (auto f = dyn_cast<FusedLoc>(loc))
    for (Location l : f.getLocations())
      if (auto n = findName(l))
        return n;
  if (auto c = dyn_cast<CallSiteLoc>(loc))
    return findName(c.getCallee());
  return std::nullopt;
}

/// The constant NUL-terminated string global holding `text` in `module`.
LLVM::GlobalOp getOrCreateString(OpBuilder &b, ModuleOp module, StringRef text) {
  std::string name;
  llvm::raw_string_ostream(name)
      << "qcc_check_message_" << llvm::format_hex_no_prefix(llvm::hash_value(text), 16);
  if (auto g = module.lookupSymbol<LLVM::GlobalOp>(name))
    return g;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  std::string data = text.str();
  data.push_back('\0');
  auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
  return LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                                LLVM::Linkage::Internal, name, b.getStringAttr(data));
}

/// The declaration of the runtime's check-failure function.
func::FuncOp getOrCreateCheckFn(OpBuilder &b, ModuleOp module) {
  if (auto f = module.lookupSymbol<func::FuncOp>(kRuntimeCheckFailedName))
    return f;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  MLIRContext *ctx = b.getContext();
  auto type = b.getFunctionType(
      {LLVM::LLVMPointerType::get(ctx), b.getI64Type(), b.getI64Type()}, {});
  auto f = func::FuncOp::create(b, module.getLoc(), kRuntimeCheckFailedName, type);
  f.setPrivate();
  return f;
}

Value toI64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
  return v;
}

} // namespace

std::string qcc::lowering::describeNode(Location loc, StringRef opName) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (auto name = findName(loc))
    os << "node '" << *name << "' (" << opName << ")";
  else
    os << opName << " at " << loc;
  return s;
}

void qcc::lowering::emitRuntimeCheck(OpBuilder &b, Location loc, Value ok,
                                     StringRef message, Value actual,
                                     Value expected) {
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  LLVM::GlobalOp text = getOrCreateString(b, module, message);
  func::FuncOp fn = getOrCreateCheckFn(b, module);
  Value failed = arith::XOrIOp::create(
      b, loc, ok, arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
  auto ifOp = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  Value ptr = LLVM::AddressOfOp::create(b, loc, text);
  func::CallOp::create(b, loc, fn,
                       ValueRange{ptr, toI64(b, loc, actual), toI64(b, loc, expected)});
}
