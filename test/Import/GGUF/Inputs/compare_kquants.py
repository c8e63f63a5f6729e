"""Writes a GGUF with one tensor per K-quant type made of random blocks (random bytes, with every f16
scale field set to a finite random half), dequantizes each with qcc-inspect and compares with
gguf.quants.dequantize (max abs diff <= 1e-6 relative to the magnitude).

Usage: compare_kquants.py OUT.gguf WORKDIR"""
import os, subprocess, sys
import numpy as np
import gguf

# type -> (block bytes, byte offsets of its f16 fields)
LAYOUT = {"Q2_K": (84, [80, 82]), "Q3_K": (110, [108]), "Q4_K": (144, [0, 2]),
          "Q5_K": (176, [0, 2]), "Q6_K": (210, [208])}


def main():
    path, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(1)
    w = gguf.GGUFWriter(path, "llama")
    for name, (nbytes, halves) in LAYOUT.items():
        rows, blocks = 3, 2
        raw = rng.integers(0, 256, size=(rows, blocks, nbytes), dtype=np.uint8)
        for off in halves:
            h = rng.uniform(-0.1, 0.1, size=(rows, blocks)).astype(np.float16)
            raw[:, :, off:off + 2] = h.view(np.uint8).reshape(rows, blocks, 2)
        raw = raw.reshape(rows, blocks * nbytes)
        w.add_tensor("t_" + name, raw, raw_shape=raw.shape, raw_dtype=gguf.GGMLQuantizationType[name])
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    reader = gguf.GGUFReader(path)
    bad = 0
    for t in reader.tensors:
        out = os.path.join(work, "t.npy")
        subprocess.run(["qcc-inspect", path, "--dump", t.name, "-o", out], check=True)
        got = np.load(out)
        ref = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
        ref = ref.reshape(tuple(int(d) for d in reversed(t.shape)))
        tol = 1e-6 * max(1.0, float(np.abs(ref).max()))
        if got.shape != ref.shape or not np.allclose(got, ref, rtol=0, atol=tol):
            err = np.abs(got.ravel() - ref.ravel()).max() if got.size == ref.size else "shape"
            print("FAIL %s got %s ref %s err %s" % (t.name, got.shape, ref.shape, err))
            bad += 1
    if bad:
        sys.exit(1)
    print("PASS %d tensors" % len(reader.tensors))


main()
