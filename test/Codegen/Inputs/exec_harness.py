"""Compiles a linalg-on-tensors MLIR function through qcc-lower-to-llvm, runs it
from a generated C harness and compares its results with a numpy reference.

Used by the execution tests in test/Codegen. The harness links the test-only
qcc_rt_parallel_for of parallel_for.c and the runtime micro-kernels
(libqcc_kernels.a), counts aligned_alloc/free calls (via
--wrap; after releasing the runtime's buffer pool) to detect leaks, and checks that results are fresh allocations that
free() accepts (Contract 2).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

LLVM_BIN = "/usr/lib/llvm-22/bin"
HERE = os.path.dirname(os.path.abspath(__file__))

C_TYPES = {np.float32: "float", np.int32: "int32_t", np.int8: "int8_t",
           np.float64: "double", np.int64: "int64_t"}


def _desc(rank, ctype, name):
    if rank == 0:
        return f"typedef struct {{ {ctype} *allocated, *aligned; int64_t offset; }} {name};"
    return (f"typedef struct {{ {ctype} *allocated, *aligned; int64_t offset; "
            f"int64_t sizes[{rank}], strides[{rank}]; }} {name};")


def _harness(fn, inputs, outputs, repeat):
    """C source calling _mlir_ciface_<fn>(out, in...) `repeat` times."""
    lines = ["#include <stdint.h>", "#include <stdio.h>", "#include <stdlib.h>",
             "#include <string.h>",
             "extern int64_t qcc_test_parallel_calls;",
             "static long allocs, frees;",
             "void *__real_aligned_alloc(size_t, size_t);",
             "void __real_free(void *);",
             "void qcc_rt_buffer_pool_release(void);",
             "void *__wrap_aligned_alloc(size_t a, size_t s) { __atomic_fetch_add(&allocs, 1, __ATOMIC_RELAXED); return __real_aligned_alloc(a, s); }",
             "void __wrap_free(void *p) { if (p) __atomic_fetch_add(&frees, 1, __ATOMIC_RELAXED); __real_free(p); }"]
    for i, (shape, dt) in enumerate(inputs):
        lines.append(_desc(len(shape), C_TYPES[dt], f"In{i}"))
    for i, (shape, dt) in enumerate(outputs):
        lines.append(_desc(len(shape), C_TYPES[dt], f"Out{i}"))
    if len(outputs) == 1:
        lines.append("typedef Out0 Results;")
    else:
        lines.append("typedef struct { " + " ".join(f"Out{i} r{i};" for i in range(len(outputs))) + " } Results;")
    args = ", ".join(f"In{i} *" for i in range(len(inputs)))
    lines.append(f"void _mlir_ciface_{fn}(Results *{', ' + args if args else ''});")
    lines.append("static void *readFile(const char *path, size_t n) { void *p = malloc(n ? n : 1); FILE *f = fopen(path, \"rb\"); if (!f || fread(p, 1, n, f) != n) { fprintf(stderr, \"cannot read %s\\n\", path); exit(2); } fclose(f); return p; }")
    lines.append("int main(int argc, char **argv) {")
    for i, (shape, dt) in enumerate(inputs):
        n = int(np.prod(shape)) * np.dtype(dt).itemsize
        lines.append(f"  In{i} in{i}; in{i}.allocated = in{i}.aligned = readFile(argv[{i + 1}], {n}); in{i}.offset = 0;")
        stride = 1
        for d in reversed(range(len(shape))):
            lines.append(f"  in{i}.sizes[{d}] = {shape[d]}; in{i}.strides[{d}] = {stride};")
            stride *= shape[d]
    lines.append("  Results res;")
    call_args = ", ".join(f"&in{i}" for i in range(len(inputs)))
    lines.append(f"  for (int it = 0; it < {repeat}; ++it) {{")
    lines.append(f"    _mlir_ciface_{fn}(&res{', ' + call_args if call_args else ''});")
    lines.append("    if (it + 1 < %d) {" % repeat)
    for i in range(len(outputs)):
        acc = "res" if len(outputs) == 1 else f"res.r{i}"
        lines.append(f"      free({acc}.allocated);")
    lines.append("    }")
    lines.append("  }")
    for i, (shape, dt) in enumerate(outputs):
        acc = "res" if len(outputs) == 1 else f"res.r{i}"
        n = int(np.prod(shape)) * np.dtype(dt).itemsize
        lines.append(f"  for (int k = 0; k < {len(inputs)}; ++k) {{}}")
        for j in range(len(inputs)):
            lines.append(f"  if ((void *){acc}.allocated == (void *)in{j}.allocated) {{ fprintf(stderr, \"result {i} aliases input {j}\\n\"); return 3; }}")
        for d in range(len(shape)):
            lines.append(f"  if ({acc}.sizes[{d}] != {shape[d]}) {{ fprintf(stderr, \"result {i} dim {d} is %ld\\n\", (long){acc}.sizes[{d}]); return 3; }}")
        # Copy out through the strides (results may be non-contiguous views only if Contract 2 is broken).
        lines.append(f"  {{ FILE *f = fopen(argv[{len(inputs) + 1 + i}], \"wb\"); fwrite({acc}.aligned + {acc}.offset, 1, {n}, f); fclose(f); free({acc}.allocated); }}")
    # The runtime's buffer pool keeps freed blocks for reuse: return them first.
    lines.append("  qcc_rt_buffer_pool_release();")
    lines.append("  printf(\"allocs %ld frees %ld parallel_calls %ld\\n\", allocs, frees, (long)qcc_test_parallel_calls);")
    lines.append("  return allocs == frees ? 0 : 4;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def kernels_archive(qcc_opt):
    """libqcc_kernels.a (qcc_rt_sgemm, which the pipeline calls for f32 matmuls) next to
    qcc-opt's bin/ directory."""
    tool = shutil.which(qcc_opt) or qcc_opt
    return os.path.join(os.path.dirname(os.path.realpath(tool)), "..", "lib", "libqcc_kernels.a")


def run(mlir, fn, inputs, out_specs, pipeline="qcc-lower-to-llvm", repeat=2,
        qcc_opt="qcc-opt", threads=4, keep=None):
    """Compiles `mlir`, runs `fn` on `inputs` (numpy arrays) and returns the
    list of outputs (numpy arrays shaped per `out_specs`: [(shape, dtype)])."""
    tmp = keep or tempfile.mkdtemp(prefix="qcc-exec-")
    src = os.path.join(tmp, "kernel.mlir")
    with open(src, "w") as f:
        f.write(mlir)
    llvm_mlir = os.path.join(tmp, "kernel.llvm.mlir")
    subprocess.run([qcc_opt, src, f"--pass-pipeline=builtin.module({pipeline})",
                    "-o", llvm_mlir], check=True)
    ll = os.path.join(tmp, "kernel.ll")
    subprocess.run([f"{LLVM_BIN}/mlir-translate", "--mlir-to-llvmir", llvm_mlir,
                    "-o", ll], check=True)
    obj = os.path.join(tmp, "kernel.o")
    subprocess.run([f"{LLVM_BIN}/clang", "-O2", "-march=native", "-c", ll, "-o", obj,
                    "-Wno-override-module"], check=True)
    harness = os.path.join(tmp, "harness.c")
    with open(harness, "w") as f:
        f.write(_harness(fn, [(a.shape, a.dtype.type) for a in inputs],
                         out_specs, repeat))
    exe = os.path.join(tmp, "harness")
    subprocess.run([f"{LLVM_BIN}/clang", "-O1", harness, obj,
                    os.path.join(HERE, "parallel_for.c"), kernels_archive(qcc_opt),
                    "-o", exe, "-lstdc++", "-lm", "-lpthread", "-fuse-ld=lld", "-Wl,--wrap=aligned_alloc", "-Wl,--wrap=free"],
                   check=True)
    args = [exe]
    for i, a in enumerate(inputs):
        p = os.path.join(tmp, f"in{i}.bin")
        np.ascontiguousarray(a).tofile(p)
        args.append(p)
    outs = [os.path.join(tmp, f"out{i}.bin") for i in range(len(out_specs))]
    env = dict(os.environ, QCC_TEST_THREADS=str(threads))
    proc = subprocess.run(args + outs, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise RuntimeError(f"harness failed with exit code {proc.returncode}")
    stats = dict(zip(proc.stdout.split()[::2], map(int, proc.stdout.split()[1::2])))
    return [np.fromfile(p, dtype=dt).reshape(shape)
            for p, (shape, dt) in zip(outs, out_specs)], stats
