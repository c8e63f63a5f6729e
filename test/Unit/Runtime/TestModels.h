//===- TestModels.h - builds the model.so fixtures of the runtime tests -----===//
#ifndef QCC_TEST_UNIT_RUNTIME_TESTMODELS_H
#define QCC_TEST_UNIT_RUNTIME_TESTMODELS_H

#include <string>

namespace qcc {
namespace test {

/// Compiles test/Driver/Inputs/<name>.mlir (memref level) into
/// `<dir>/<name>.so` with qcc's own back end: metadata from @main's signature,
/// upstream lowering to the LLVM dialect, translation, emission and linking.
/// Returns false with `error` set on failure. `metadata` receives the text
/// derived from @main.
bool buildTestModel(const std::string &name, const std::string &dir,
                    std::string &metadata, std::string &error);

} // namespace test
} // namespace qcc

#endif // QCC_TEST_UNIT_RUNTIME_TESTMODELS_H
