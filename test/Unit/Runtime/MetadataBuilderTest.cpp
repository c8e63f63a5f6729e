//===- MetadataBuilderTest.cpp - unit tests of buildModelMetadata ----------===//
#include "qcc/Target/Common/ModelEmitter.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include <gtest/gtest.h>

namespace {

/// Parses `source` and returns buildModelMetadata's text or "error: ...".
std::string metadataOf(const char *source,
                       const qcc::MachineOptions *machine = nullptr) {
  mlir::MLIRContext context;
  context.loadDialect<mlir::func::FuncDialect, mlir::memref::MemRefDialect>();
  context.allowUnregisteredDialects();
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return "parse error";
  std::string error;
  std::optional<std::string> text =
      qcc::buildModelMetadata(*module, error, machine);
  return text ? *text : "error: " + error;
}

TEST(BuildModelMetadata, ElementTypesAndDefaultNames) {
  EXPECT_EQ(metadataOf(R"(
    func.func @main(%a: tensor<2xi1>, %b: tensor<ui8>, %c: memref<?x3xbf16>)
        -> (tensor<4xi64>, tensor<f16>) {
      %0 = "test.op"() : () -> tensor<4xi64>
      %1 = "test.op"() : () -> tensor<f16>
      return %0, %1 : tensor<4xi64>, tensor<f16>
    })"),
            "qcc-model-metadata 1\nsource %\n"
            "input input_0 bool 1 2 %\ninput input_1 u8 0\n"
            "input input_2 bf16 2 -1 3 % %\n"
            "output output_0 i64 1 4 %\noutput output_1 f16 0\nend\n");
}

TEST(BuildModelMetadata, NamesSymbolicDimsAndTarget) {
  qcc::MachineOptions machine;
  machine.cpu = "haswell";
  machine.features = "+avx2,+fma";
  EXPECT_EQ(metadataOf(R"(
    module attributes {qcc.source = "dir/my model.onnx"} {
      func.func @main(%x: tensor<?x?xf32>) -> tensor<?xf32>
          attributes {qcc.input_names = ["in put"], qcc.output_names = ["y"],
                      qcc.input_dims = [["batch", "seq"]],
                      qcc.output_dims = [["batch"]]} {
        %0 = "test.op"() : () -> tensor<?xf32>
        return %0 : tensor<?xf32>
      }
    })",
                       &machine),
            "qcc-model-metadata 1\nsource dir/my%20model.onnx\n"
            "target haswell +avx2,+fma\n"
            "input in%20put f32 2 -1 -1 batch seq\n"
            "output y f32 1 -1 batch\nend\n");
}

TEST(BuildModelMetadata, Errors) {
  EXPECT_EQ(metadataOf("func.func @other() { return }"),
            "error: the module has no func.func @main to describe");
  EXPECT_EQ(metadataOf(R"(
    func.func @main(%x: tensor<*xf32>) -> tensor<2xf32> {
      %0 = "test.op"() : () -> tensor<2xf32>
      return %0 : tensor<2xf32>
    })"),
            "error: 'input_0' has type tensor<*xf32>, but a model input or "
            "output must be a ranked tensor or memref");
  EXPECT_EQ(metadataOf(R"(
    func.func @main(%x: tensor<2xcomplex<f32>>) -> tensor<2xf32> {
      %0 = "test.op"() : () -> tensor<2xf32>
      return %0 : tensor<2xf32>
    })"),
            "error: 'input_0' has element type complex<f32>, which the "
            "runtime does not support");
  EXPECT_EQ(metadataOf("func.func @main() { return }"),
            "error: @main has no results");
}

} // namespace

namespace {

TEST(BuildModelMetadata, ModelAttrsBecomeAttrRecords) {
  // Contract 5: qcc.model_attrs entries -> `attr <key> <value>` before `end`,
  // escaped, in key order; integers in decimal.
  EXPECT_EQ(metadataOf(R"(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32>
        attributes {qcc.model_attrs = {"qcc.kind" = "causal-lm",
                     "qcc.tokenizer" = "/m/a b.gguf", "qcc.num_layers" = 30 : i64}} {
      return %x : tensor<2xf32>
    })"),
            "qcc-model-metadata 1\nsource %\n"
            "input input_0 f32 1 2 %\noutput output_0 f32 1 2 %\n"
            "attr qcc.kind causal-lm\nattr qcc.num_layers 30\n"
            "attr qcc.tokenizer /m/a%20b.gguf\nend\n");
}

TEST(BuildModelMetadata, ModelAttrsMustBeStrings) {
  EXPECT_EQ(metadataOf(R"(
    func.func @main(%x: tensor<2xf32>) -> tensor<2xf32>
        attributes {qcc.model_attrs = {"qcc.kind" = [1]}} {
      return %x : tensor<2xf32>
    })"),
            "error: qcc.model_attrs entry 'qcc.kind' of @main must be a "
            "string");
}

} // namespace
