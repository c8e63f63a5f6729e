//===- ONNXImporter.cpp - ONNX ModelProto to qcc dialect ------------------===//
//
// Loads binary or textual ONNX models, validates the graph (dangling names,
// duplicate outputs, cycles, unsupported operators), binds input shapes,
// turns initializers into dense_resource weights (external data is memory
// mapped, not copied) and converts every node in topological order with the
// converters of the op-family files.
//
//===----------------------------------------------------------------------===//
#include "ImporterInternal.h"
#include "qcc/Import/ONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "onnx/defs/parser.h"

#include <queue>

using namespace mlir;
using namespace qcc;
using namespace qcc::onnx_import;

namespace qcc::onnx_import {

/// Imports one ModelProto. Owns the model so that Constant-node tensors stay
/// valid while nodes are converted.
class Importer {
public:
  Importer(MLIRContext &ctx, const ImportOptions &options, StringRef source,
           StringRef text)
      : ctx(ctx), b(&ctx), options(options), source(source.str()) {
    if (!text.empty())
      indexTextLines(text);
  }

  OwningOpRef<ModuleOp> run(const onnx::ModelProto &model);

  /// Location of a node: the file, the line of its definition in textual
  /// input, and the node name.
  Location nodeLoc(const onnx::NodeProto &node);
  Location fileLoc(unsigned line = 0) {
    return FileLineColLoc::get(&ctx, source, line, line ? 1 : 0);
  }
  Location tensorLoc(StringRef name) {
    auto it = lineOf.find(name);
    return fileLoc(it == lineOf.end() ? 0 : it->second);
  }

  /// Returns the SSA value of `tv`, creating constants or weights on demand.
  Value materialize(TensorValue &tv, StringRef name, Location loc);
  /// Known contents of `tv` (decoding small initializers), or null.
  const ConstTensor *getConstant(TensorValue &tv);
  Value materializeConst(const ConstTensor &c, StringRef name, Location loc);

  MLIRContext &ctx;
  OpBuilder b;
  const ImportOptions &options;
  std::string source;
  llvm::StringMap<TensorValue> values;

private:
  void indexTextLines(StringRef text);
  LogicalResult validateGraph(const onnx::GraphProto &g,
                              std::vector<int> &order);
  LogicalResult checkSupport(const onnx::GraphProto &g);
  LogicalResult declareInitializers(const onnx::GraphProto &g);
  FailureOr<RankedTensorType> inputType(const onnx::ValueInfoProto &vi,
                                        SmallVectorImpl<Attribute> &dimNames);
  Value importWeight(const onnx::TensorProto &t, RankedTensorType type,
                     Location loc);
  Value importExternalWeight(const onnx::TensorProto &t, RankedTensorType type,
                             Location loc);
  std::string blobName(StringRef tensorName);
  int64_t opsetFor(StringRef domain) const {
    auto it = opsets.find(domain == "ai.onnx" ? "" : domain);
    return it == opsets.end() ? -1 : it->second;
  }

  llvm::StringMap<unsigned> lineOf;
  llvm::StringMap<int64_t> opsets;
};

} // namespace qcc::onnx_import

//===----------------------------------------------------------------------===//
// Locations and diagnostics
//===----------------------------------------------------------------------===//

void Importer::indexTextLines(StringRef text) {
  // A node definition line reads `out1, out2 = Op <attrs> (inputs)`.
  unsigned lineNo = 0;
  for (StringRef rest = text; !rest.empty();) {
    auto [line, tail] = rest.split('\n');
    rest = tail;
    ++lineNo;
    size_t eq = line.find('=');
    if (eq == StringRef::npos)
      continue;
    StringRef lhs = line.take_front(eq);
    if (lhs.find_first_of("<>[](){}:\"#") != StringRef::npos)
      continue;
    SmallVector<StringRef> names;
    lhs.split(names, ',');
    for (StringRef n : names) {
      n = n.trim();
      if (!n.empty() && n.find(' ') == StringRef::npos)
        lineOf.try_emplace(n, lineNo);
    }
  }
}

/// A printable identification of a node: its name or its first output.
static std::string nodeName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  if (node.output_size() > 0)
    return "<producing " + node.output(0) + ">";
  return "<unnamed>";
}

Location Importer::nodeLoc(const onnx::NodeProto &node) {
  Location file = fileLoc();
  for (const std::string &out : node.output())
    if (!out.empty()) {
      file = tensorLoc(out);
      break;
    }
  return NameLoc::get(StringAttr::get(&ctx, nodeName(node)), file);
}

//===----------------------------------------------------------------------===//
// Graph validation
//===----------------------------------------------------------------------===//

LogicalResult Importer::validateGraph(const onnx::GraphProto &g,
                                      std::vector<int> &order) {
  bool ok = true;
  llvm::StringMap<int> producer;
  llvm::StringSet<> graphDefined;
  for (const auto &t : g.initializer())
    graphDefined.insert(t.name());
  for (const auto &vi : g.input())
    graphDefined.insert(vi.name());
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &node = g.node(i);
    for (const std::string &out : node.output()) {
      if (out.empty())
        continue;
      if (graphDefined.contains(out)) {
        mlir::emitError(nodeLoc(node))
            << "node '" << nodeName(node) << "' (" << node.op_type()
            << ") redefines graph input or initializer '" << out << "'";
        ok = false;
        continue;
      }
      auto [it, inserted] = producer.try_emplace(out, i);
      if (!inserted) {
        mlir::emitError(nodeLoc(node))
            << "duplicate output name '" << out << "': produced by node '"
            << nodeName(node) << "' (" << node.op_type() << ") and by node '"
            << nodeName(g.node(it->second)) << "' ("
            << g.node(it->second).op_type() << ")";
        ok = false;
      }
    }
  }
  // Dangling names and the dependency graph.
  std::vector<SmallVector<int, 2>> users(g.node_size());
  std::vector<int> pending(g.node_size(), 0);
  for (int i = 0; i < g.node_size(); ++i) {
    const auto &node = g.node(i);
    for (const std::string &in : node.input()) {
      if (in.empty() || graphDefined.contains(in))
        continue;
      auto it = producer.find(in);
      if (it == producer.end()) {
        mlir::emitError(nodeLoc(node))
            << "node '" << nodeName(node) << "' (" << node.op_type()
            << ") uses tensor '" << in
            << "', which is not a graph input, an initializer or a node output";
        ok = false;
        continue;
      }
      users[it->second].push_back(i);
      ++pending[i];
    }
  }
  for (const auto &vi : g.output())
    if (!graphDefined.contains(vi.name()) && !producer.count(vi.name())) {
      mlir::emitError(tensorLoc(vi.name()))
          << "graph output '" << vi.name() << "' is never defined";
      ok = false;
    }
  if (!ok)
    return failure();
  // Kahn's algorithm, preferring the original node order.
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (int i = 0; i < g.node_size(); ++i)
    if (pending[i] == 0)
      ready.push(i);
  while (!ready.empty()) {
    int i = ready.top();
    ready.pop();
    order.push_back(i);
    for (int u : users[i])
      if (--pending[u] == 0)
        ready.push(u);
  }
  if ((int)order.size() != g.node_size()) {
    std::string names;
    unsigned shown = 0;
    int first = -1;
    for (int i = 0; i < g.node_size(); ++i)
      if (pending[i] > 0) {
        if (first < 0)
          first = i;
        if (shown++ < 8)
          names += (names.empty() ? "'" : ", '") + nodeName(g.node(i)) + "'";
      }
    mlir::emitError(nodeLoc(g.node(first)))
        << "graph has a cycle: " << (g.node_size() - order.size())
        << " node(s) can never run, including " << names;
    return failure();
  }
  return success();
}

LogicalResult Importer::checkSupport(const onnx::GraphProto &g) {
  const ConverterMap &converters = getConverters();
  unsigned unsupported = 0;
  for (const auto &node : g.node()) {
    StringRef domain = node.domain();
    if (converters.count(converterKey(node)))
      continue;
    ++unsupported;
    mlir::emitError(nodeLoc(node))
        << "unsupported ONNX operator '" << node.op_type() << "' (domain '"
        << (domain.empty() ? "ai.onnx" : domain) << "', opset "
        << opsetFor(domain) << ") at node '" << nodeName(node) << "'";
  }
  if (unsupported) {
    mlir::emitError(fileLoc()) << unsupported
                               << " node(s) use unsupported operators";
    return failure();
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Inputs and weights
//===----------------------------------------------------------------------===//

FailureOr<RankedTensorType>
Importer::inputType(const onnx::ValueInfoProto &vi,
                    SmallVectorImpl<Attribute> &dimNames) {
  Location loc = tensorLoc(vi.name());
  if (!vi.type().has_tensor_type()) {
    mlir::emitError(loc) << "graph input '" << vi.name()
                         << "' is not a tensor (sequences, maps and optionals "
                            "are not supported)";
    return failure();
  }
  const auto &tt = vi.type().tensor_type();
  Type elt = convertElementType(tt.elem_type(), &ctx);
  if (!elt) {
    mlir::emitError(loc) << "graph input '" << vi.name()
                         << "' has unsupported element type "
                         << onnxTypeName(tt.elem_type());
    return failure();
  }
  auto override = options.inputShapes.find(vi.name());
  bool hasOverride = override != options.inputShapes.end();
  if (!tt.has_shape() && !hasOverride) {
    mlir::emitError(loc) << "graph input '" << vi.name()
                         << "' has unknown rank; bind it with --input-shape "
                         << vi.name() << "=d0,d1,...";
    return failure();
  }
  Shape shape;
  if (tt.has_shape())
    for (const auto &d : tt.shape().dim()) {
      dimNames.push_back(StringAttr::get(&ctx, d.has_dim_param() ? d.dim_param() : ""));
      if (d.has_dim_value() && d.dim_value() >= 0)
        shape.push_back(d.dim_value());
      else
        shape.push_back(options.keepDynamicDims ? ShapedType::kDynamic : 1);
    }
  if (hasOverride) {
    ArrayRef<int64_t> bound = override->second;
    if (tt.has_shape() && bound.size() != shape.size()) {
      mlir::emitError(loc) << "--input-shape for '" << vi.name() << "' has rank "
                           << bound.size() << " but the model declares rank "
                           << shape.size();
      return failure();
    }
    for (size_t d = 0; d < bound.size() && tt.has_shape(); ++d) {
      const auto &dim = tt.shape().dim(d);
      if (dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() != bound[d]) {
        mlir::emitError(loc) << "--input-shape for '" << vi.name()
                             << "' sets dimension " << d << " to " << bound[d]
                             << " but the model declares " << dim.dim_value();
        return failure();
      }
    }
    if (!tt.has_shape())
      dimNames.assign(bound.size(), StringAttr::get(&ctx, ""));
    shape.assign(bound.begin(), bound.end());
  }
  return RankedTensorType::get(shape, elt);
}

std::string Importer::blobName(StringRef tensorName) {
  std::string name;
  for (char c : tensorName)
    name.push_back(llvm::isAlnum(c) || c == '_' || c == '.' ? c : '_');
  if (name.empty() || llvm::isDigit(name[0]))
    name = "t_" + name;
  return name;
}

LogicalResult Importer::declareInitializers(const onnx::GraphProto &g) {
  for (const auto &t : g.initializer()) {
    Type elt = convertElementType(t.data_type(), &ctx);
    if (!elt) {
      mlir::emitError(tensorLoc(t.name()))
          << "initializer '" << t.name() << "' has unsupported element type "
          << onnxTypeName(t.data_type());
      return failure();
    }
    Shape shape(t.dims().begin(), t.dims().end());
    TensorValue tv;
    tv.type = RankedTensorType::get(shape, elt);
    tv.proto = &t;
    values[t.name()] = tv;
  }
  return success();
}

const ConstTensor *Importer::getConstant(TensorValue &tv) {
  if (tv.constant)
    return &*tv.constant;
  if (!tv.proto || tv.proto->data_location() == onnx::TensorProto::EXTERNAL ||
      !tv.type.hasStaticShape() || tv.type.getNumElements() > kFoldLimit)
    return nullptr;
  std::string error;
  auto c = decodeTensor(*tv.proto, &ctx, error);
  if (failed(c))
    return nullptr; // reported when the weight is materialized
  tv.constant = std::move(*c);
  return &*tv.constant;
}

Value Importer::materializeConst(const ConstTensor &c, StringRef name, Location loc) {
  auto type = RankedTensorType::get(c.shape, c.elementType);
  if (c.numElements() <= kInlineLimit || c.elementType.isInteger(1))
    return arith::ConstantOp::create(b, loc, type, toDenseAttr(c));
  std::vector<char> bytes = toRawBytes(c);
  size_t align = std::max<size_t>(1, c.elementType.getIntOrFloatBitWidth() / 8);
  auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align);
  auto attr = DenseResourceElementsAttr::get(type, blobName(name), std::move(blob));
  return arith::ConstantOp::create(b, loc, type, attr);
}

Value Importer::importExternalWeight(const onnx::TensorProto &t, RankedTensorType type,
                                     Location loc) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : t.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t v;
      if (!llvm::to_integer(kv.value(), v) || v < 0) {
        mlir::emitError(loc) << "external data of tensor '" << t.name() << "' has a bad "
                             << kv.key() << " '" << kv.value() << "'";
        return {};
      }
      (kv.key() == "offset" ? offset : length) = v;
    }
  }
  if (location.empty()) {
    mlir::emitError(loc) << "external data of tensor '" << t.name()
                         << "' names no location";
    return {};
  }
  SmallString<256> path(options.externalDataDir.empty()
                            ? llvm::sys::path::parent_path(source)
                            : StringRef(options.externalDataDir));
  llvm::sys::path::append(path, location);
  uint64_t fileSize;
  if (std::error_code ec = llvm::sys::fs::file_size(path, fileSize)) {
    mlir::emitError(loc) << "cannot open external data file '" << path
                         << "' of tensor '" << t.name() << "': " << ec.message();
    return {};
  }
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  int64_t expected = width < 8 ? (type.getNumElements() * width + 7) / 8
                               : type.getNumElements() * (width / 8);
  if (length < 0)
    length = expected;
  if ((uint64_t)offset > fileSize || (uint64_t)length > fileSize - offset) {
    mlir::emitError(loc) << "external data of tensor '" << t.name() << "' (offset "
                         << offset << ", length " << length << ") is out of range of '"
                         << path << "' (" << fileSize << " bytes)";
    return {};
  }
  if (length != expected) {
    mlir::emitError(loc) << "external data of tensor '" << t.name() << "' has length "
                         << length << " but its type " << type << " needs " << expected
                         << " bytes";
    return {};
  }
  auto buffer = llvm::MemoryBuffer::getFileSlice(path, length, offset,
                                                 /*IsVolatile=*/false);
  if (!buffer) {
    mlir::emitError(loc) << "cannot map external data file '" << path
                         << "': " << buffer.getError().message();
    return {};
  }
  size_t align = std::max<unsigned>(1, width / 8);
  ArrayRef<char> data((*buffer)->getBufferStart(), length);
  AsmResourceBlob blob;
  if (width < 8 || !llvm::isAddrAligned(llvm::Align(align), data.data())) {
    if (width < 8) {
      // Sub-byte weights are unpacked to one element per byte (MLIR's layout).
      onnx::TensorProto copy = t;
      copy.clear_external_data();
      copy.set_data_location(onnx::TensorProto::DEFAULT);
      copy.set_raw_data(std::string(data.data(), data.size()));
      std::string error;
      auto c = decodeTensor(copy, &ctx, error);
      if (failed(c)) {
        mlir::emitError(loc) << "tensor '" << t.name() << "': " << error;
        return {};
      }
      return materializeConst(*c, t.name(), loc);
    }
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(data, align);
  } else {
    // Zero copy: the blob owns the mapping and releases it with the context.
    std::shared_ptr<llvm::MemoryBuffer> owner = std::move(*buffer);
    blob = AsmResourceBlob(
        data, align, [owner](void *, size_t, size_t) mutable { owner.reset(); },
        /*dataIsMutable=*/false);
  }
  auto attr = DenseResourceElementsAttr::get(type, blobName(t.name()), std::move(blob));
  return arith::ConstantOp::create(b, loc, type, attr);
}

Value Importer::importWeight(const onnx::TensorProto &t, RankedTensorType type,
                             Location loc) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return importExternalWeight(t, type, loc);
  Type elt = type.getElementType();
  unsigned width = elt.getIntOrFloatBitWidth();
  bool direct = t.has_raw_data() && width >= 8 && type.getNumElements() > kInlineLimit;
  if (direct) {
    int64_t expected = type.getNumElements() * (width / 8);
    if ((int64_t)t.raw_data().size() != expected) {
      mlir::emitError(loc) << "tensor '" << t.name() << "' holds "
                           << t.raw_data().size() << " bytes of raw_data but its type "
                           << type << " needs " << expected;
      return {};
    }
    ArrayRef<char> data(t.raw_data().data(), t.raw_data().size());
    auto blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(data, width / 8);
    auto attr = DenseResourceElementsAttr::get(type, blobName(t.name()), std::move(blob));
    return arith::ConstantOp::create(b, loc, type, attr);
  }
  std::string error;
  auto c = decodeTensor(t, &ctx, error);
  if (failed(c)) {
    mlir::emitError(loc) << "tensor '" << t.name() << "': " << error;
    return {};
  }
  return materializeConst(*c, t.name(), loc);
}

Value Importer::materialize(TensorValue &tv, StringRef name, Location loc) {
  if (tv.value)
    return tv.value;
  if (tv.constant)
    tv.value = materializeConst(*tv.constant, name, loc);
  else if (tv.proto)
    tv.value = importWeight(*tv.proto, tv.type, loc);
  return tv.value;
}

//===----------------------------------------------------------------------===//
// The graph
//===----------------------------------------------------------------------===//

OwningOpRef<ModuleOp> Importer::run(const onnx::ModelProto &model) {
  for (const auto &os : model.opset_import())
    opsets[os.domain() == "ai.onnx" ? "" : os.domain()] = os.version();
  int64_t opset = opsetFor("");
  if (opset < 0) {
    mlir::emitError(fileLoc()) << "the model imports no opset of the default "
                                  "ONNX domain";
    return nullptr;
  }
  const onnx::GraphProto &g = model.graph();
  std::vector<int> order;
  if (failed(validateGraph(g, order)) || failed(checkSupport(g)) ||
      failed(declareInitializers(g)))
    return nullptr;

  // Function signature.
  SmallVector<Type> argTypes;
  SmallVector<Attribute> inputNames, inputDims;
  SmallVector<std::string> argNames;
  llvm::StringSet<> seenInputs;
  for (const auto &vi : g.input()) {
    if (values.count(vi.name())) // an initializer: a constant, not an argument
      continue;
    SmallVector<Attribute> dimNames;
    auto type = inputType(vi, dimNames);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argNames.push_back(vi.name());
    seenInputs.insert(vi.name());
    inputNames.push_back(StringAttr::get(&ctx, vi.name()));
    inputDims.push_back(ArrayAttr::get(&ctx, dimNames));
  }
  for (const auto &entry : options.inputShapes)
    if (!seenInputs.contains(entry.getKey())) {
      mlir::emitError(fileLoc()) << "--input-shape names '" << entry.getKey()
                                 << "', which is not an input of the graph";
      return nullptr;
    }

  Location moduleLoc = fileLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(moduleLoc);
  (*module)->setAttr("qcc.source", StringAttr::get(&ctx, source));
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, moduleLoc, "main",
                                   b.getFunctionType(argTypes, {}));
  Block *body = func.addEntryBlock();
  for (auto [i, name] : llvm::enumerate(argNames)) {
    TensorValue tv;
    tv.value = body->getArgument(i);
    tv.type = cast<RankedTensorType>(argTypes[i]);
    values[name] = tv;
  }
  b.setInsertionPointToEnd(body);

  const ConverterMap &converters = getConverters();
  for (int idx : order) {
    const onnx::NodeProto &node = g.node(idx);
    NodeContext nc(*this, node, opsetFor(node.domain()), nodeLoc(node));
    // Decode the node's initializers first, so that a corrupt weight (raw_data
    // of the wrong size, external data out of range or missing) is reported
    // here instead of reaching an op handler as a null operand. Weights that
    // a handler then folds leave dead constants, erased below.
    for (const std::string &in : node.input()) {
      auto it = in.empty() ? values.end() : values.find(in);
      if (it != values.end() && it->second.proto && !it->second.value &&
          !materialize(it->second, in, nodeLoc(node)))
        return nullptr;
    }
    if (failed(converters.lookup(converterKey(node))(nc)))
      return nullptr;
    for (int o = 0; o < node.output_size(); ++o)
      if (!node.output(o).empty() && !values.count(node.output(o))) {
        nc.emitError() << "unsupported feature: output " << o << " ('"
                       << node.output(o) << "') is not produced by the importer";
        return nullptr;
      }
  }

  SmallVector<Value> results;
  SmallVector<Attribute> outputNames;
  for (const auto &vi : g.output()) {
    TensorValue &tv = values[vi.name()];
    Value v = materialize(tv, vi.name(), tensorLoc(vi.name()));
    if (!v)
      return nullptr;
    results.push_back(v);
    outputNames.push_back(StringAttr::get(&ctx, vi.name()));
  }
  func::ReturnOp::create(b, moduleLoc, results);
  // Constants materialized for ops that were folded afterwards are dead.
  for (Operation &op : llvm::make_early_inc_range(llvm::reverse(*body)))
    if (isa<arith::ConstantOp>(op) && op.use_empty())
      op.erase();
  func.setFunctionType(b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  func->setAttr("qcc.input_names", ArrayAttr::get(&ctx, inputNames));
  func->setAttr("qcc.output_names", ArrayAttr::get(&ctx, outputNames));
  func->setAttr("qcc.input_dims", ArrayAttr::get(&ctx, inputDims));
  if (failed(mlir::verify(*module)))
    return nullptr;
  return module;
}

//===----------------------------------------------------------------------===//
// NodeContext
//===----------------------------------------------------------------------===//

NodeContext::NodeContext(Importer &importer, const onnx::NodeProto &node,
                         int64_t opset, Location loc)
    : node(node), opset(opset), loc(loc), b(importer.b), ctx(&importer.ctx),
      importer(importer) {}

Value NodeContext::operand(unsigned i) {
  TensorValue &tv = importer.values[node.input(i)];
  return importer.materialize(tv, node.input(i), loc);
}

RankedTensorType NodeContext::type(unsigned i) {
  return importer.values[node.input(i)].type;
}

const ConstTensor *NodeContext::constant(unsigned i) {
  if (!hasInput(i))
    return nullptr;
  return importer.getConstant(importer.values[node.input(i)]);
}

bool NodeContext::allInputsConstant() {
  for (unsigned i = 0; i < numInputs(); ++i)
    if (hasInput(i) && !constant(i))
      return false;
  return true;
}

FailureOr<SmallVector<int64_t>> NodeContext::constInts(unsigned i, StringRef what) {
  const ConstTensor *c = constant(i);
  if (!c) {
    emitError() << "unsupported runtime input: " << what << " (input '"
                << node.input(i)
                << "') must be a compile-time constant (initializer, Constant "
                   "or computed from static shapes; bind the input shapes with "
                   "--input-shape)";
    return failure();
  }
  SmallVector<int64_t> r;
  for (int64_t k = 0, n = c->numElements(); k < n; ++k)
    r.push_back(c->getInt(k));
  return r;
}

FailureOr<SmallVector<double>> NodeContext::constFloats(unsigned i, StringRef what) {
  const ConstTensor *c = constant(i);
  if (!c) {
    emitError() << "unsupported runtime input: " << what << " (input '"
                << node.input(i)
                << "') must be a compile-time constant (initializer or Constant)";
    return failure();
  }
  SmallVector<double> r;
  for (int64_t k = 0, n = c->numElements(); k < n; ++k)
    r.push_back(c->getDouble(k));
  return r;
}

const onnx::AttributeProto *NodeContext::attr(StringRef name) const {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t NodeContext::attrInt(StringRef name, int64_t def) const {
  const auto *a = attr(name);
  return a ? a->i() : def;
}

float NodeContext::attrFloat(StringRef name, float def) const {
  const auto *a = attr(name);
  return a ? a->f() : def;
}

std::string NodeContext::attrString(StringRef name, StringRef def) const {
  const auto *a = attr(name);
  return a ? a->s() : def.str();
}

std::optional<SmallVector<int64_t>> NodeContext::attrInts(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<SmallVector<double>> NodeContext::attrFloats(StringRef name) const {
  const auto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<double>(a->floats().begin(), a->floats().end());
}

void NodeContext::setOutput(unsigned i, Value v) {
  if (!hasOutput(i))
    return;
  TensorValue tv;
  tv.value = v;
  tv.type = cast<RankedTensorType>(v.getType());
  importer.values[node.output(i)] = tv;
}

void NodeContext::setOutput(unsigned i, ConstTensor c) {
  if (!hasOutput(i))
    return;
  TensorValue tv;
  tv.type = RankedTensorType::get(c.shape, c.elementType);
  tv.constant = std::move(c);
  importer.values[node.output(i)] = std::move(tv);
}

LogicalResult NodeContext::setOutput(unsigned i, const onnx::TensorProto &t) {
  Type elt = convertElementType(t.data_type(), ctx);
  if (!elt)
    return emitError() << "unsupported tensor element type " << onnxTypeName(t.data_type());
  if (!hasOutput(i))
    return success();
  TensorValue tv;
  tv.type = RankedTensorType::get(Shape(t.dims().begin(), t.dims().end()), elt);
  tv.proto = &t;
  importer.values[node.output(i)] = tv;
  return success();
}

InFlightDiagnostic NodeContext::emitError() {
  return mlir::emitError(loc) << "node '" << nodeName(node) << "' ("
                              << node.op_type() << "): ";
}

LogicalResult NodeContext::rejectOutputsFrom(unsigned first, StringRef why) {
  for (unsigned i = first; i < numOutputs(); ++i)
    if (hasOutput(i))
      return emitError() << "unsupported feature: output " << i << " ('"
                         << node.output(i) << "'), " << why;
  return success();
}

FailureOr<int64_t> NodeContext::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    emitError() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

Value NodeContext::materialize(const ConstTensor &c) {
  return importer.materializeConst(c, node.output_size() ? node.output(0) : "cst", loc);
}

Value NodeContext::constantOf(Type elementType, ArrayRef<int64_t> shape,
                              ArrayRef<double> values) {
  ConstTensor c = ConstTensor::empty(shape, elementType);
  for (double v : values)
    c.push(v);
  return materialize(c);
}

FailureOr<Value> NodeContext::reshape(Value v, ArrayRef<int64_t> newShape) {
  auto in = cast<RankedTensorType>(v.getType());
  if (in.getShape() == newShape)
    return v;
  if (llvm::count(newShape, ShapedType::kDynamic) > 1) {
    emitError() << "cannot reshape " << shapeToString(in.getShape()) << " to "
                << shapeToString(newShape)
                << " with several unknown dimensions; bind the input shapes with "
                   "--input-shape";
    return failure();
  }
  auto type = RankedTensorType::get(newShape, in.getElementType());
  return ReshapeOp::create(b, loc, type, v, Value()).getResult();
}

//===----------------------------------------------------------------------===//
// Public API
//===----------------------------------------------------------------------===//

const ConverterMap &qcc::onnx_import::getConverters() {
  static const ConverterMap map = [] {
    ConverterMap m;
    registerElementwiseConverters(m);
    registerNNConverters(m);
    registerShapeConverters(m);
    registerQuantConverters(m);
    registerContribConverters(m);
    registerAttentionConverters(m);
    return m;
  }();
  return map;
}

std::string qcc::onnx_import::converterKey(const onnx::NodeProto &node) {
  const std::string &domain = node.domain();
  if (domain.empty() || domain == "ai.onnx")
    return node.op_type();
  return domain + "::" + node.op_type();
}

std::vector<std::string> qcc::supportedONNXOps() {
  std::vector<std::string> ops;
  for (const auto &entry : onnx_import::getConverters())
    ops.push_back(entry.getKey().str());
  llvm::sort(ops);
  return ops;
}

bool qcc::parseInputShapeSpec(StringRef spec, ImportOptions &opts, std::string &error) {
  auto [name, dims] = spec.rsplit('=');
  if (name.empty() || dims.data() == nullptr || spec.find('=') == StringRef::npos) {
    error = "expected NAME=D0,D1,... in --input-shape '" + spec.str() + "'";
    return false;
  }
  SmallVector<int64_t, 6> shape;
  if (!dims.empty()) {
    SmallVector<StringRef> parts;
    dims.split(parts, ',');
    for (StringRef p : parts) {
      int64_t d;
      if (p.trim().getAsInteger(10, d) || d < 0) {
        error = "bad dimension '" + p.str() + "' in --input-shape '" + spec.str() + "'";
        return false;
      }
      shape.push_back(d);
    }
  }
  opts.inputShapes[name] = shape;
  return true;
}

/// Parses textual ONNX into `model`; fills `error` on failure.
static bool parseText(StringRef text, onnx::ModelProto &model, std::string &error) {
  std::string copy = text.str();
  auto status = onnx::OnnxParser::Parse(model, copy.c_str());
  if (!status.IsOK()) {
    error = status.ErrorMessage();
    // Keep the first line of the parser's message.
    error = StringRef(error).split('\n').first.str();
    return false;
  }
  return true;
}

OwningOpRef<ModuleOp> qcc::importONNXBuffer(StringRef buffer, StringRef sourceName,
                                            MLIRContext &context,
                                            const ImportOptions &options, bool isText) {
  context.loadDialect<QccDialect, func::FuncDialect, arith::ArithDialect,
                      tensor::TensorDialect>();
  Location fileLoc = FileLineColLoc::get(&context, sourceName, 0, 0);
  auto model = std::make_unique<onnx::ModelProto>();
  bool text = isText;
  if (!text) {
    bool parsed = buffer.size() < (size_t)INT32_MAX &&
                  model->ParseFromArray(buffer.data(), (int)buffer.size()) &&
                  model->has_graph();
    if (!parsed) {
      model->Clear();
      std::string error;
      if (!parseText(buffer, *model, error)) {
        mlir::emitError(fileLoc)
            << "'" << sourceName
            << "' is not an ONNX model: it is neither a valid ModelProto "
               "(truncated or corrupt protobuf) nor ONNX text";
        return nullptr;
      }
      text = true;
    }
  } else {
    std::string error;
    if (!parseText(buffer, *model, error)) {
      mlir::emitError(fileLoc) << "cannot parse ONNX text '" << sourceName
                               << "': " << error;
      return nullptr;
    }
  }
  if (!model->has_graph()) {
    mlir::emitError(fileLoc) << "'" << sourceName << "' holds no graph";
    return nullptr;
  }
  Importer importer(context, options, sourceName, text ? buffer : StringRef());
  return importer.run(*model);
}

OwningOpRef<ModuleOp> qcc::importONNXFile(StringRef path, MLIRContext &context,
                                          const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    mlir::emitError(FileLineColLoc::get(&context, path, 0, 0))
        << "cannot open '" << path << "': " << buffer.getError().message();
    return nullptr;
  }
  return importONNXBuffer((*buffer)->getBuffer(), path, context, options,
                          path.ends_with(".onnxtxt"));
}
