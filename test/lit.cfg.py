# lit configuration for qcc's FileCheck suites.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "qcc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtxt", ".test", ".py"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "Unit", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qcc_obj_root, "test")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.qcc_tools_dir, append_path=False)

config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%qcc_src", config.qcc_src_root))
config.substitutions.append(("%shared_data", os.path.join(config.qcc_src_root, "..", "shared", "data")))

# Features for optional pieces of the environment.
try:
    import onnxruntime  # noqa: F401
    config.available_features.add("onnxruntime")
except ImportError:
    pass
import importlib.util
if importlib.util.find_spec("rapidocr_onnxruntime") is not None:
    config.available_features.add("rapidocr")
    config.substitutions.append(("%rapidocr_models", os.path.join(
        importlib.util.find_spec("rapidocr_onnxruntime").submodule_search_locations[0], "models")))
if "avx512f" in open("/proc/cpuinfo").read():
    config.available_features.add("avx512")
