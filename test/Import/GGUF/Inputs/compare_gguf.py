"""Dequantizes every tensor of a GGUF file with qcc-inspect and compares with gguf.quants.dequantize.

Usage: compare_gguf.py FILE.gguf WORKDIR   (prints PASS n tensors, or FAIL lines and exits 1)
With --write TYPES it first writes a GGUF of random tensors quantized by the gguf package."""
import os, subprocess, sys
import numpy as np
import gguf


def write_quantized(path, types):
    w = gguf.GGUFWriter(path, "llama")
    rng = np.random.default_rng(0)
    for name in types:
        qt = gguf.GGMLQuantizationType[name]
        x = rng.standard_normal((4, 64)).astype(np.float32)
        if name in ("F32",):
            w.add_tensor("t_" + name, x)
            continue
        q = gguf.quants.quantize(x, qt)
        w.add_tensor("t_" + name, q, raw_shape=q.shape, raw_dtype=qt)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def main():
    args = sys.argv[1:]
    types = None
    if args[0] == "--write":
        types = args[1].split(","); args = args[2:]
    path, work = args
    os.makedirs(work, exist_ok=True)
    if types:
        write_quantized(path, types)
    reader = gguf.GGUFReader(path)
    bad = 0
    for t in reader.tensors:
        out = os.path.join(work, "t.npy")
        subprocess.run(["qcc-inspect", path, "--dump", t.name, "-o", out], check=True)
        got = np.load(out)
        ref = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        ref = ref.reshape(tuple(int(d) for d in reversed(t.shape)))
        if got.shape != ref.shape or not np.allclose(got, ref, rtol=0, atol=1e-6):
            err = np.abs(got.ravel() - ref.ravel()).max() if got.size == ref.size else "shape"
            print("FAIL %s %s got %s ref %s err %s" % (t.name, t.tensor_type.name, got.shape, ref.shape, err))
            bad += 1
    if bad:
        sys.exit(1)
    print("PASS %d tensors" % len(reader.tensors))


main()
