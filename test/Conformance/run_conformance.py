#!/usr/bin/env python3
"""Runs ONNX's backend node tests through qcc (compile with `qcc`, run with `qcc-run`) and classifies them.

Test sources ("suites"):
  debian  Debian's libonnx-testdata node tests (/usr/share/libonnx-testdata/data/node, ONNX 1.12).
  pip     the node tests of the pip `onnx` wheel. The wheel ships the test *cases* (python code under
          onnx/backend/test/case/node) but not their serialized data, so the runner generates the data once
          into a cache directory, exactly as `python -m onnx.backend.test.cmd_tools generate-data` does.

Every test is classified as
  passed       compiled, ran, and every output of every data set matched the reference;
  failed       the compiler or the runtime failed, crashed, timed out, or an output mismatched;
  unsupported  the importer rejected an operator as unsupported (its "unsupported operator" diagnostic, or an
               op missing from the importer's supported-op list), or the test's inputs/outputs cannot be fed
               through .npy files (sequence/optional/map values; string, bfloat16, float8 and 4-bit tensors).

Comparison: floating-point outputs with |actual - expected| <= atol + rtol * |expected| (defaults rtol=1e-3,
atol=1e-5), NaN where the reference has NaN and equal infinities; integer and bool outputs exactly; shapes
and element types must match.

Modes:
  (default)          run the selected tests and print a per-test line plus totals;
  --check            run the tests of the baseline (expected_pass.txt) and fail if any of them does not
                     pass; with --all it runs every selected test and also reports new passes;
  --update           rewrite the baseline with the passing tests (entries of tests not run are kept);
  --json FILE        write a JSON summary (per-test status, reason, timings, totals).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_BASELINE = HERE / "expected_pass.txt"
DEBIAN_NODE_DIR = Path("/usr/share/libonnx-testdata/data/node")

# Element types that .npy files (and hence qcc-run) can carry, as numpy dtype kinds/names.
NPY_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
              "uint32", "uint64", "bool"}
# ONNX TensorProto.DataType values -> numpy dtype names (only the representable ones).
ONNX_TO_NPY = {1: "float32", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32", 7: "int64",
               9: "bool", 10: "float16", 11: "float64", 12: "uint32", 13: "uint64"}
ONNX_TYPE_NAMES = {0: "undefined", 8: "string", 14: "complex64", 15: "complex128", 16: "bfloat16",
                   17: "float8e4m3fn", 18: "float8e4m3fnuz", 19: "float8e5m2", 20: "float8e5m2fnuz",
                   21: "uint4", 22: "int4", 23: "float4e2m1", 24: "float8e8m0", 25: "uint2", 26: "int2"}

# Diagnostics by which the importer says that an operator is not supported (see lib/Import/ONNX).
UNSUPPORTED_RE = re.compile(
    r"unsupported (onnx )?(operator|op)\b|(operator|op) ['\"]?[\w.:]+['\"]? (is )?not supported"
    r"|no (importer|lowering) for (onnx )?(operator|op)"
    r"|unsupported runtime input|unsupported feature", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------------------
# Test discovery
# ---------------------------------------------------------------------------------------------------------

@dataclass
class TestCase:
    """One ONNX node test: a model and its data sets on disk."""
    suite: str
    name: str
    path: Path

    @property
    def id(self) -> str:
        return f"{self.suite}/{self.name}"


def debian_node_dir() -> Path | None:
    """Locates the node tests of Debian's libonnx-testdata (dpkg -L, falling back to the usual path)."""
    if DEBIAN_NODE_DIR.is_dir():
        return DEBIAN_NODE_DIR
    try:
        files = subprocess.run(["dpkg", "-L", "libonnx-testdata"], capture_output=True, text=True,
                               check=False).stdout.split()
    except OSError:
        return None
    for f in files:
        if f.endswith("/data/node") and Path(f).is_dir():
            return Path(f)
    return None


def _write_value(path: Path, value, type_proto, name: str) -> None:
    """Serializes one input/output value like onnx.backend.test.cmd_tools does."""
    import onnx
    from onnx import numpy_helper
    if type_proto.HasField("map_type"):
        proto = numpy_helper.from_dict(value, name)
    elif type_proto.HasField("sequence_type"):
        proto = numpy_helper.from_list(value, name)
    elif type_proto.HasField("optional_type"):
        proto = numpy_helper.from_optional(value, name)
    elif isinstance(value, onnx.TensorProto):
        proto = value
    else:
        proto = numpy_helper.from_array(value, name)
    path.write_bytes(proto.SerializeToString())


def generate_pip_node_data(cache_dir: Path, quiet: bool = False) -> Path:
    """Generates (once per onnx version) the pip wheel's node tests into cache_dir/node and returns it."""
    import fcntl

    import onnx
    node_dir = cache_dir / "node"
    stamp = cache_dir / "onnx_version.txt"
    # Several runners (lit, other worktrees) may share the cache: generate under an exclusive lock.
    with open(cache_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if node_dir.is_dir() and stamp.is_file() and stamp.read_text().strip() == onnx.__version__:
            return node_dir
        _generate_pip_node_data(node_dir, stamp, cache_dir, quiet)
    return node_dir


def _generate_pip_node_data(node_dir: Path, stamp: Path, cache_dir: Path, quiet: bool) -> None:
    import onnx
    if not quiet:
        print(f"[conformance] generating pip onnx {onnx.__version__} node test data into {node_dir}",
              file=sys.stderr)
    import warnings
    from onnx.backend.test.case import node as node_cases
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            cases = node_cases.collect_testcases()
    tmp = Path(tempfile.mkdtemp(prefix="node.", dir=cache_dir))
    for case in cases:
        out = tmp / case.name
        out.mkdir(parents=True)
        (out / "model.onnx").write_bytes(case.model.SerializeToString())
        graph = case.model.graph
        for i, (inputs, outputs) in enumerate(case.data_sets):
            ds = out / f"test_data_set_{i}"
            ds.mkdir()
            for j, value in enumerate(inputs):
                _write_value(ds / f"input_{j}.pb", value, graph.input[j].type, graph.input[j].name)
            for j, value in enumerate(outputs):
                _write_value(ds / f"output_{j}.pb", value, graph.output[j].type, graph.output[j].name)
    if node_dir.exists():
        shutil.rmtree(node_dir)
    tmp.rename(node_dir)
    stamp.write_text(onnx.__version__ + "\n")


def discover(suites: list[str], cache_dir: Path, name_filter: str | None) -> list[TestCase]:
    """Lists the node tests of the requested suites, sorted, optionally filtered by a regex on the id."""
    tests: list[TestCase] = []
    for suite in suites:
        if suite == "debian":
            root = debian_node_dir()
            if root is None:
                print("[conformance] libonnx-testdata is not installed: skipping suite 'debian'",
                      file=sys.stderr)
                continue
        elif suite == "pip":
            cache_dir.mkdir(parents=True, exist_ok=True)
            root = generate_pip_node_data(cache_dir)
        else:
            raise SystemExit(f"error: unknown suite '{suite}' (expected debian or pip)")
        for d in sorted(root.iterdir()):
            if (d / "model.onnx").is_file():
                tests.append(TestCase(suite, d.name, d))
    if name_filter:
        rx = re.compile(name_filter)
        tests = [t for t in tests if rx.search(t.id)]
    return tests


# ---------------------------------------------------------------------------------------------------------
# Model inspection and pb -> npy conversion
# ---------------------------------------------------------------------------------------------------------

def value_io_problem(value_info) -> str | None:
    """Returns why a graph input/output cannot go through .npy files, or None when it can."""
    t = value_info.type
    if not t.HasField("tensor_type"):
        kind = t.WhichOneof("value") or "untyped"
        return f"'{value_info.name}' is a {kind.replace('_type', '')} value"
    elem = t.tensor_type.elem_type
    if elem not in ONNX_TO_NPY:
        return f"'{value_info.name}' has element type {ONNX_TYPE_NAMES.get(elem, str(elem))}"
    return None


def model_inputs(model) -> list:
    """The graph inputs that are fed at run time (initializers excluded), in graph order."""
    inits = {i.name for i in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in inits]


def model_op_types(model) -> set[str]:
    """Op types of the main graph, prefixed with their domain when it is not the default one."""
    ops = set()
    for n in model.graph.node:
        ops.add(n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}.{n.op_type}")
    return ops


def load_tensor_pb(path: Path) -> np.ndarray:
    """Reads a serialized TensorProto into a numpy array."""
    import onnx
    from onnx import numpy_helper
    t = onnx.TensorProto()
    t.ParseFromString(path.read_bytes())
    return numpy_helper.to_array(t)


def content_hash(test: TestCase) -> str:
    """Hash of the test's files (model and data): the debian and pip copies of a test are often identical."""
    h = hashlib.sha1()
    for f in sorted(test.path.rglob("*")):
        if f.is_file():
            h.update(f.relative_to(test.path).as_posix().encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def data_sets(test: TestCase) -> list[Path]:
    return sorted(p for p in test.path.glob("test_data_set_*") if p.is_dir())


def convert_data_set(ds: Path, out_dir: Path, in_names: list[str], out_names: list[str]):
    """Converts a data set's input_*.pb / output_*.pb into .npy files in out_dir.

    Returns (inputs, expected): lists of (name, npy path) and (name, array)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    inputs, expected = [], []
    n_in = len(list(ds.glob("input_*.pb")))
    n_out = len(list(ds.glob("output_*.pb")))
    if n_in != len(in_names):
        raise ValueError(f"{ds.name} has {n_in} input files but the model has {len(in_names)} inputs")
    if n_out != len(out_names):
        raise ValueError(f"{ds.name} has {n_out} output files but the model has {len(out_names)} outputs")
    for j, name in enumerate(in_names):
        arr = load_tensor_pb(ds / f"input_{j}.pb")
        npy = out_dir / f"input_{j}.npy"
        # np.ascontiguousarray would turn a 0-d (scalar) tensor into shape (1,): copy in C order instead.
        np.save(npy, np.array(arr, order="C", copy=True), allow_pickle=False)
        inputs.append((name, npy))
    for j, name in enumerate(out_names):
        expected.append((name, load_tensor_pb(ds / f"output_{j}.pb")))
    return inputs, expected


# ---------------------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------------------

def compare(name: str, actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """Returns None when `actual` matches `expected`, else a one-line description of the mismatch."""
    if actual.dtype != expected.dtype:
        return f"output '{name}': element type {actual.dtype}, expected {expected.dtype}"
    if actual.shape != expected.shape:
        return f"output '{name}': shape {list(actual.shape)}, expected {list(expected.shape)}"
    if expected.size == 0:
        return None
    if expected.dtype.kind in "fc":
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        nan_a, nan_e = np.isnan(a), np.isnan(e)
        if not np.array_equal(nan_a, nan_e):
            return f"output '{name}': NaN in {int(nan_a.sum())} places, expected {int(nan_e.sum())}"
        inf_e = np.isinf(e)
        if not np.array_equal(np.isinf(a), inf_e) or not np.array_equal(a[inf_e], e[inf_e]):
            return f"output '{name}': infinities differ"
        fin = ~(nan_e | inf_e)
        err = np.abs(a[fin] - e[fin])
        bad = err > atol + rtol * np.abs(e[fin])
        if bad.any():
            i = int(np.argmax(err))
            return (f"output '{name}': {int(bad.sum())}/{expected.size} elements off (max abs err "
                    f"{err.max():.3g} at flat index {i}: got {a[fin][i]:.6g}, expected {e[fin][i]:.6g}; "
                    f"rtol={rtol}, atol={atol})")
        return None
    if not np.array_equal(actual, expected):
        diff = int(np.count_nonzero(actual != expected))
        return f"output '{name}': {diff}/{expected.size} elements differ (exact comparison)"
    return None


# ---------------------------------------------------------------------------------------------------------
# Backends
# ---------------------------------------------------------------------------------------------------------

def run_proc(cmd: list[str], timeout: float, cwd: Path | None = None):
    """Runs cmd in its own process group; kills the whole group on timeout. Returns (rc, output) with
    rc None on timeout."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                         cwd=cwd, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=max(timeout, 1.0))
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return None, out


def first_error_line(output: str) -> str:
    """The most informative line of a tool's output (the first 'error' line, else the last line)."""
    lines = [l.strip() for l in output.splitlines() if l.strip()]
    for l in lines:
        if "error" in l.lower():
            return l[:400]
    return lines[-1][:400] if lines else "(no output)"


class Outcome(Exception):
    """Ends a test early with a status and a reason."""

    def __init__(self, status: str, reason: str, stage: str):
        super().__init__(reason)
        self.status, self.reason, self.stage = status, reason, stage


class QccBackend:
    """Compiles with `qcc model.onnx -o model.so` and runs with `qcc-run`."""
    name = "qcc"

    def __init__(self, qcc: str, qcc_run: str, extra_flags: list[str]):
        self.qcc, self.qcc_run, self.extra_flags = qcc, qcc_run, extra_flags

    def compile(self, model_path: Path, shape_flags: list[str], work: Path, timeout: float) -> Path:
        so = work / "model.so"
        cmd = [self.qcc, str(model_path), "-o", str(so), *shape_flags, *self.extra_flags]
        rc, out = run_proc(cmd, timeout, cwd=work)
        if rc is None:
            raise Outcome("failed", f"qcc timed out after {timeout:.0f}s", "compile")
        if rc != 0:
            m = UNSUPPORTED_RE.search(out)
            if m:
                line = next(l for l in out.splitlines() if UNSUPPORTED_RE.search(l))
                raise Outcome("unsupported", line.strip()[:400], "import")
            crash = f" (killed by signal {-rc})" if rc < 0 else ""
            raise Outcome("failed", f"qcc exit {rc}{crash}: {first_error_line(out)}", "compile")
        if not so.is_file():
            raise Outcome("failed", "qcc exited 0 but wrote no model.so", "compile")
        return so

    def run(self, so: Path, inputs: list[tuple[str, Path]], out_names: list[str], work: Path,
            timeout: float) -> list[np.ndarray]:
        out_dir = work / "out"
        if out_dir.exists():
            shutil.rmtree(out_dir)
        out_dir.mkdir()
        cmd = [self.qcc_run, str(so), "--output-dir", str(out_dir), "--threads", "1"]
        for name, path in inputs:
            cmd += ["--input", f"{name}={path}"]
        rc, out = run_proc(cmd, timeout, cwd=work)
        if rc is None:
            raise Outcome("failed", f"qcc-run timed out after {timeout:.0f}s", "run")
        if rc != 0:
            crash = f" (killed by signal {-rc})" if rc < 0 else ""
            raise Outcome("failed", f"qcc-run exit {rc}{crash}: {first_error_line(out)}", "run")
        return [np.load(find_output_file(out_dir, name, i, len(out_names)), allow_pickle=False)
                for i, name in enumerate(out_names)]


def sanitize(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def find_output_file(out_dir: Path, name: str, index: int, count: int) -> Path:
    """Finds the .npy that qcc-run wrote for output `name` (by name, sanitized name or position)."""
    for cand in (name, sanitize(name), f"output_{index}", f"output{index}", str(index)):
        p = out_dir / f"{cand}.npy"
        if p.is_file():
            return p
    files = sorted(out_dir.glob("*.npy"))
    if len(files) == count == 1:
        return files[0]
    raise Outcome("failed", f"qcc-run wrote no file for output '{name}' in {out_dir} "
                  f"(found {[f.name for f in files]})", "run")


def probe_toolchain(backend: QccBackend) -> str | None:
    """Compiles a one-node model; returns the reason when qcc lacks a pipeline piece ("built without ...")
    so that a partial build is reported once instead of as thousands of failures."""
    import onnx
    from onnx import TensorProto, helper
    g = helper.make_graph([helper.make_node("Relu", ["x"], ["y"])], "probe",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])])
    with tempfile.TemporaryDirectory(prefix="qcc-probe.") as d:
        model = Path(d) / "probe.onnx"
        onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(model))
        rc, out = run_proc([backend.qcc, str(model), "-o", str(Path(d) / "probe.so"), *backend.extra_flags], 120)
    if rc is not None and rc != 0 and "built without" in out:
        return first_error_line(out)
    return None


class OrtBackend:
    """Reference backend (onnxruntime) with the same data path; validates the runner itself."""
    name = "ort"

    def compile(self, model_path: Path, shape_flags: list[str], work: Path, timeout: float):
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        try:
            return ort.InferenceSession(str(model_path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - onnxruntime raises many exception types
            msg = str(e).splitlines()[0][:400] if str(e) else type(e).__name__
            if "NOT_IMPLEMENTED" in msg or "not implemented" in msg.lower():
                raise Outcome("unsupported", msg, "import") from None
            raise Outcome("failed", msg, "compile") from None

    def run(self, sess, inputs, out_names, work, timeout):
        feeds = {name: np.load(path, allow_pickle=False) for name, path in inputs}
        try:
            return list(sess.run(out_names, feeds))
        except Exception as e:  # noqa: BLE001
            raise Outcome("failed", str(e).splitlines()[0][:400], "run") from None


# ---------------------------------------------------------------------------------------------------------
# Running one test
# ---------------------------------------------------------------------------------------------------------

@dataclass
class Result:
    id: str
    status: str
    reason: str = ""
    stage: str = ""
    compile_s: float = 0.0
    run_s: float = 0.0
    ops: list[str] = field(default_factory=list)


def shape_flags_for(inputs, ds: Path | None) -> list[str]:
    """--input-shape flags binding dynamic input dims to the first data set's shapes."""
    flags = []
    for j, vi in enumerate(inputs):
        dims = vi.type.tensor_type.shape.dim
        if all(d.HasField("dim_value") for d in dims) and vi.type.tensor_type.HasField("shape"):
            continue
        if ds is None or not (ds / f"input_{j}.pb").is_file():
            continue
        arr = load_tensor_pb(ds / f"input_{j}.pb")
        if arr.ndim == 0:
            continue
        flags += ["--input-shape", f"{vi.name}=" + ",".join(str(d) for d in arr.shape)]
    return flags


def run_test(test: TestCase, backend, args, supported_ops: set[str] | None) -> Result:
    """Compiles and runs one test; never raises."""
    import onnx
    res = Result(test.id, "failed")
    work = Path(tempfile.mkdtemp(prefix=test.name[:40] + ".", dir=args.work_dir))
    try:
        try:
            model = onnx.load(str(test.path / "model.onnx"), load_external_data=False)
        except Exception as e:  # noqa: BLE001
            raise Outcome("failed", f"cannot read model.onnx: {e}", "load") from None
        res.ops = sorted(model_op_types(model))
        inputs = model_inputs(model)
        outputs = list(model.graph.output)
        for vi in inputs + outputs:
            why = value_io_problem(vi)
            if why:
                raise Outcome("unsupported", f"runner: {why}, which .npy cannot carry", "io")
        if supported_ops is not None:
            missing = [op for op in res.ops if op not in supported_ops]
            if missing:
                raise Outcome("unsupported", "ops not in the importer's supported list: " + ", ".join(missing),
                              "import")
        sets = data_sets(test)
        if not sets:
            raise Outcome("failed", "test has no data set", "load")
        in_names = [vi.name for vi in inputs]
        out_names = [vi.name for vi in outputs]
        t0 = time.monotonic()
        compiled = backend.compile(test.path / "model.onnx", shape_flags_for(inputs, sets[0]), work,
                                   args.timeout)
        res.compile_s = time.monotonic() - t0
        for ds in sets:
            try:
                ins, expected = convert_data_set(ds, work / ds.name, in_names, out_names)
            except Exception as e:  # noqa: BLE001
                raise Outcome("failed", f"{ds.name}: cannot convert reference data: {e}", "load") from None
            remaining = args.timeout - res.compile_s - res.run_s
            t0 = time.monotonic()
            actual = backend.run(compiled, ins, out_names, work, max(remaining, 5.0))
            res.run_s += time.monotonic() - t0
            for (name, exp), act in zip(expected, actual):
                act = np.asarray(act)
                msg = compare(name, act, exp, args.rtol, args.atol)
                if msg:
                    raise Outcome("failed", f"{ds.name}: {msg}", "compare")
        res.status = "passed"
    except Outcome as o:
        res.status, res.reason, res.stage = o.status, o.reason, o.stage
    except Exception as e:  # noqa: BLE001 - a runner bug must not stop the suite
        res.status, res.reason, res.stage = "failed", f"runner error: {type(e).__name__}: {e}", "runner"
    finally:
        if not args.keep_temps:
            shutil.rmtree(work, ignore_errors=True)
    return res


# ---------------------------------------------------------------------------------------------------------
# Baseline, summary, driver
# ---------------------------------------------------------------------------------------------------------

def read_baseline(path: Path) -> list[str]:
    if not path.is_file():
        return []
    ids = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line)
    return ids


def write_baseline(path: Path, ids: set[str]) -> None:
    header = ("# ONNX node tests that pass through qcc (compile + run + compare). Maintained by\n"
              "# `run_conformance.py --update`; checked by `run_conformance.py --check` (lit: conformance.test).\n")
    path.write_text(header + "".join(f"{i}\n" for i in sorted(ids)))


def normalize_reason(reason: str) -> str:
    """A failure reason with test-specific details (paths, numbers, value names) blanked out, for grouping."""
    r = re.sub(r" \(same files as [^)]*\)$", "", reason)
    r = re.sub(r"(?<![\w])/[\w.+\-/]+", "<path>", r)
    r = re.sub(r"test_data_set_\d+: ", "", r)
    r = re.sub(r"output '[^']*'", "output", r)
    r = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "N", r)
    return r[:160]


KNOWN_FAILURES = Path(__file__).resolve().parent / "known_failures.txt"


def load_known_failures(path: Path) -> dict[str, str]:
    """Test id -> explanation, from lines `id<TAB>explanation` (# comments)."""
    known = {}
    if path.is_file():
        for line in path.read_text().splitlines():
            if line.strip() and not line.startswith("#") and "\t" in line:
                test_id, why = line.split("\t", 1)
                known[test_id.strip()] = why.strip()
    return known


def write_results_md(path: Path, results: list[Result], args, suites: list[str], wall_s: float) -> None:
    """Writes the totals, per-suite figures, unsupported operators, grouped failures and per-op pass rates."""
    import collections
    import onnx
    lines = ["# ONNX backend node tests through qcc", "",
             f"Produced by `test/Conformance/run_conformance.py` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} (onnx {onnx.__version__} for the pip suite; "
             f"rtol {args.rtol}, atol {args.atol} for floats, exact for integers/bools; timeout {args.timeout:.0f}s "
             f"per test; {args.jobs} jobs; {wall_s:.0f}s wall).", "",
             "| suite | tests | passed | failed | unsupported |", "|---|---|---|---|---|"]
    for suite in suites + ["all"]:
        rs = [r for r in results if suite == "all" or r.id.startswith(suite + "/")]
        c = collections.Counter(r.status for r in rs)
        lines.append(f"| {suite} | {len(rs)} | {c['passed']} | {c['failed']} | {c['unsupported']} |")
    ct = [r.compile_s for r in results if r.status == "passed" and "same files as" not in r.reason]
    if ct:
        lines += ["", f"Compile time per passing test: mean {np.mean(ct):.2f}s, median {np.median(ct):.2f}s, "
                  f"max {np.max(ct):.2f}s."]
    unsup = collections.Counter()
    for r in results:
        if r.status == "unsupported":
            ops = re.findall(r"unsupported (?:onnx )?(?:operator|op) '([^']+)'", r.reason, re.IGNORECASE)
            if r.reason.startswith("ops not in"):
                ops = r.reason.split(": ", 1)[1].split(", ")
            if r.stage == "io":
                m = re.search(r"(has element type \w+|is a \w+ value)", r.reason)
                ops = ["I/O " + (m.group(1).split()[-1] if "element" in m.group(1) else m.group(1).split()[2])
                       if m else "I/O"]
            for op in set(ops) or {"other: " + normalize_reason(r.reason)[:60]}:
                unsup[op] += 1
    if unsup:
        lines += ["", "## Unsupported (tests per operator or reason)", "",
                  ", ".join(f"{op} {n}" for op, n in sorted(unsup.items(), key=lambda kv: (-kv[1], kv[0])))]
    groups = collections.defaultdict(list)
    for r in results:
        if r.status == "failed":
            groups[(r.stage, normalize_reason(r.reason))].append(r.id)
    if groups:
        lines += ["", "## Failures grouped by stage and reason", "", "| tests | stage | reason | examples |",
                  "|---|---|---|---|"]
        for (stage, reason), ids in sorted(groups.items(), key=lambda kv: -len(kv[1]))[:60]:
            ex = ", ".join(i.split("/", 1)[1] for i in ids[:4])
            lines.append(f"| {len(ids)} | {stage} | {reason.replace('|', '/')} | {ex} |")
    failed = [r.id for r in results if r.status == "failed"]
    if failed:
        known = load_known_failures(KNOWN_FAILURES)
        lines += ["", "## Failures explained", "",
                  f"From `{KNOWN_FAILURES.name}` (test id, tab, explanation); a failure without an entry is a bug "
                  "nobody has looked at yet.", ""]
        lines += [f"* `{i}`: {known.get(i, '(no explanation recorded)')}" for i in sorted(failed)]
    per_op = collections.defaultdict(collections.Counter)
    for r in results:
        if len(r.ops) == 1 and "_expanded" not in r.id:
            per_op[r.ops[0]][r.status] += 1
    if per_op:
        lines += ["", "## Single-node tests per operator (passed/total)", ""]
        lines.append(", ".join(f"{op} {c['passed']}/{sum(c.values())}" for op, c in sorted(per_op.items())))
    path.write_text("\n".join(lines) + "\n")


def find_tool(explicit: str | None, name: str) -> str | None:
    if explicit:
        # Tools run in per-test directories: make a relative path absolute, leave a bare name to PATH.
        return os.path.abspath(explicit) if os.sep in explicit else explicit
    for cand in (HERE.parent.parent / "build" / "bin" / name,):
        if cand.is_file():
            return str(cand)
    return shutil.which(name)


def load_supported_ops(args, qcc: str | None) -> tuple[set[str] | None, str]:
    """The importer's supported ONNX op types (one a line): from --supported-ops-file, else from
    `qcc-translate --list-supported-ops` (next to qcc, or on PATH). Returns (ops or None, source)."""
    if args.supported_ops_file:
        text, source = Path(args.supported_ops_file).read_text(), args.supported_ops_file
    elif args.no_supported_ops:
        return None, "disabled"
    else:
        translate = None
        if qcc and os.sep in qcc and (Path(qcc).parent / "qcc-translate").is_file():
            translate = str(Path(qcc).parent / "qcc-translate")
        translate = translate or shutil.which("qcc-translate")
        if not translate:
            return None, "qcc-translate not found"
        rc, text = run_proc([translate, "--list-supported-ops"], 60)
        if rc != 0:
            return None, f"{translate} --list-supported-ops failed"
        source = f"{translate} --list-supported-ops"
    ops = {l.strip() for l in text.splitlines() if re.fullmatch(r"[A-Za-z0-9_.]+", l.strip())}
    return (ops or None), source


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--suite", action="append", choices=["debian", "pip"],
                   help="test source (repeatable; default: both)")
    p.add_argument("--filter", help="regex on test ids (suite/name) to select tests")
    p.add_argument("--ids", type=Path, help="run only the test ids listed in this file (one a line)")
    p.add_argument("--baseline", type=Path, default=DEFAULT_BASELINE, help="expected-pass list")
    p.add_argument("--check", action="store_true", help="fail if a baseline test does not pass")
    p.add_argument("--all", action="store_true", help="with --check: run every selected test, not only the "
                   "baseline ones")
    p.add_argument("--update", action="store_true", help="rewrite the baseline with the passing tests")
    p.add_argument("--json", type=Path, help="write a JSON summary here")
    p.add_argument("--results-md", type=Path, help="write a markdown report (totals, unsupported ops, grouped "
                   "failures, per-op pass rates) here")
    p.add_argument("--jobs", "-j", type=int, default=2, help="tests run in parallel (default 2)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per test, compile + run (default 60)")
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-5)
    p.add_argument("--backend", choices=["qcc", "ort"], default="qcc",
                   help="ort runs onnxruntime through the same data path (to validate the runner)")
    p.add_argument("--qcc", help="path of qcc (default: build/bin/qcc, then PATH)")
    p.add_argument("--qcc-run", help="path of qcc-run (default: build/bin/qcc-run, then PATH)")
    p.add_argument("--qcc-flag", action="append", default=[], help="extra flag for qcc (repeatable)")
    p.add_argument("--supported-ops-file", help="importer's supported op types, one a line (default: "
                   "`qcc-translate --list-supported-ops`): tests using other ops are classified unsupported "
                   "without compiling")
    p.add_argument("--no-supported-ops", action="store_true", help="do not pre-classify with the importer's "
                   "supported-op list (compile every test)")
    p.add_argument("--cache-dir", type=Path, default=Path(os.environ.get(
        "QCC_CONFORMANCE_CACHE", Path(tempfile.gettempdir()) / "qcc-conformance-cache")),
        help="where the pip suite's generated data is kept")
    p.add_argument("--work-dir", help="parent of the per-test temporary directories")
    p.add_argument("--keep-temps", action="store_true")
    p.add_argument("--no-dedupe", action="store_true", help="run byte-identical tests of both suites separately")
    p.add_argument("--list", action="store_true", help="list the selected tests and exit")
    p.add_argument("--quiet", "-q", action="store_true", help="print only failures and totals")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    baseline = read_baseline(args.baseline)
    suites = args.suite or ["debian", "pip"]
    if args.check and not args.all and not args.suite:
        # Only the suites that the baseline mentions (spares generating the pip data when not needed).
        suites = [s for s in ("debian", "pip") if any(b.startswith(s + "/") for b in baseline)]
    tests = discover(suites, args.cache_dir, args.filter)
    if args.ids:
        wanted_ids = set(read_baseline(args.ids))
        tests = [t for t in tests if t.id in wanted_ids]
    if args.check and not args.all:
        wanted = set(baseline)
        tests = [t for t in tests if t.id in wanted]
        missing = sorted(wanted - {t.id for t in tests} - {b for b in wanted if b.split("/")[0] not in suites})
        if args.filter:
            rx = re.compile(args.filter)
            missing = [m for m in missing if rx.search(m)]
        if missing:
            print(f"error: {len(missing)} baseline tests were not found: {', '.join(missing[:10])}")
            return 1
    if args.list:
        for t in tests:
            print(t.id)
        return 0

    if args.backend == "qcc":
        qcc, qcc_run = find_tool(args.qcc, "qcc"), find_tool(args.qcc_run, "qcc-run")
        if not qcc or not qcc_run:
            print("error: qcc and qcc-run are needed (build them or pass --qcc/--qcc-run)", file=sys.stderr)
            return 2
        backend = QccBackend(qcc, qcc_run, args.qcc_flag)
        problem = probe_toolchain(backend) if tests else None
        if problem:
            print(f"error: qcc cannot compile ONNX models: {problem}", file=sys.stderr)
            return 2
    else:
        backend = OrtBackend()
    supported, source = load_supported_ops(args, backend.qcc if args.backend == "qcc" else None) \
        if args.backend == "qcc" or args.supported_ops_file else (None, "")
    if supported:
        print(f"[conformance] {len(supported)} supported ONNX ops from {source}: tests using other ops are "
              f"classified unsupported without compiling", file=sys.stderr)

    results: list[Result] = []
    lock = threading.Lock()
    start = time.monotonic()

    def report(r: Result):
        with lock:
            results.append(r)
            if args.quiet and r.status != "failed":
                return
            extra = f" (compile {r.compile_s:.2f}s, run {r.run_s:.2f}s)" if r.status == "passed" else ""
            reason = f": {r.reason}" if r.reason else ""
            print(f"{r.status.upper():11s} {r.id}{extra}{reason}", flush=True)

    # Byte-identical tests (same model and data under two suites) run once; the copies share the result.
    groups: dict[str, list[TestCase]] = {}
    for t in tests:
        groups.setdefault(t.id if args.no_dedupe else content_hash(t), []).append(t)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futs = {pool.submit(run_test, g[0], backend, args, supported): g for g in groups.values()}
        for f in concurrent.futures.as_completed(futs):
            first = f.result()
            report(first)
            for copy in futs[f][1:]:
                note = f"same files as {first.id}"
                report(dataclasses.replace(first, id=copy.id,
                                           reason=f"{first.reason} ({note})" if first.reason else note))
    elapsed = time.monotonic() - start
    results.sort(key=lambda r: r.id)

    counts = {s: sum(1 for r in results if r.status == s) for s in ("passed", "failed", "unsupported")}
    compile_times = [r.compile_s for r in results if r.status == "passed" and "same files as" not in r.reason]
    print(f"\nTotals: {len(results)} tests: {counts['passed']} passed, {counts['failed']} failed, "
          f"{counts['unsupported']} unsupported ({elapsed:.1f}s wall, {args.jobs} jobs)")
    if compile_times:
        print(f"Compile time of passing tests: mean {np.mean(compile_times):.2f}s, "
              f"max {np.max(compile_times):.2f}s")

    passed = {r.id for r in results if r.status == "passed"}
    ran = {r.id for r in results}
    rc = 0
    regressions = sorted(b for b in baseline if b in ran and b not in passed)
    new_passes = sorted(passed - set(baseline))
    if args.check:
        if regressions:
            print(f"REGRESSIONS: {len(regressions)} baseline tests no longer pass:")
            by_id = {r.id: r for r in results}
            for i in regressions:
                print(f"  {i}: {by_id[i].status}: {by_id[i].reason}")
            rc = 1
        else:
            print(f"Baseline OK: all {sum(1 for b in baseline if b in ran)} baseline tests pass.")
    if new_passes:
        print(f"New passes not in the baseline ({len(new_passes)}): " + ", ".join(new_passes[:50]) +
              (" ..." if len(new_passes) > 50 else ""))
    if args.update:
        kept = {b for b in baseline if b not in ran}
        write_baseline(args.baseline, kept | passed)
        print(f"Baseline {args.baseline} updated: {len(kept | passed)} tests.")
    if args.results_md:
        write_results_md(args.results_md, results, args, suites, elapsed)
    if args.json:
        summary = {"backend": backend.name, "suites": suites, "rtol": args.rtol, "atol": args.atol,
                   "timeout_s": args.timeout, "jobs": args.jobs, "wall_s": round(elapsed, 2),
                   "totals": {"tests": len(results), **counts},
                   "regressions": regressions, "new_passes": new_passes,
                   "tests": [asdict(r) for r in results]}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=1) + "\n")
    return rc


if __name__ == "__main__":
    sys.exit(main())
