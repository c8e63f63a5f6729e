# lit configuration for qcc's FileCheck suites.
import os
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "qcc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "Unit", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qcc_obj_root, "test")

llvm_config.use_default_substitutions()
# qcc's tools first, then the LLVM tools, then the inherited PATH (rm, env, grep, ...).
config.environment["PATH"] = os.pathsep.join(
    [config.qcc_tools_dir, config.llvm_tools_dir, os.environ.get("PATH", "/usr/bin:/bin")])

# The default substitutions map %python to lit's own interpreter; tests need the project's Python
# (configured by CMake), which has numpy, onnx and onnxruntime.
config.substitutions = [(k, v) for k, v in config.substitutions if k != "%python"]
config.substitutions.append(("%python", '"%s"' % config.python_executable))
config.substitutions.append(("%qcc_src", config.qcc_src_root))
# The project's shared real data (../shared/data next to the checkout, or $QCC_SHARED_DATA): tests
# that read it REQUIRE `shared-data`, so a checkout without it skips them instead of failing.
shared_data = os.environ.get("QCC_SHARED_DATA") or os.path.join(config.qcc_src_root, "..", "shared", "data")
config.substitutions.append(("%shared_data", shared_data))
if os.path.isdir(os.path.join(shared_data, "sotu")):
    config.available_features.add("shared-data")


def python_finds(module):
    """Whether the project's Python (not lit's own interpreter) has `module` installed."""
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('%s') is None)" % module
    return subprocess.run([config.python_executable, "-c", code], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


# Features for optional pieces of the environment.
if python_finds("onnxruntime"):
    config.available_features.add("onnxruntime")
if python_finds("rapidocr_onnxruntime"):
    config.available_features.add("rapidocr")
if "avx512f" in open("/proc/cpuinfo").read():
    config.available_features.add("avx512")
# The whole ONNX -> model.so pipeline is in the source tree: importer, conversion, codegen pipelines, driver.
if all(os.path.isfile(os.path.join(config.qcc_src_root, d, "CMakeLists.txt"))
       for d in ("lib/Import/ONNX", "lib/Conversion", "lib/Pipelines", "tools/qcc", "tools/qcc-run")):
    config.available_features.add("qcc-pipeline")
