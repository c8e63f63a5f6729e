"""Writes a calibration statistics file (docs/Quantization.md, "The calibration statistics file") for the
linear layers of a qcc-dialect module, from synthetic activations, for tests of qcc-apply-quant-plan on
models that cannot be calibrated (the tiny random llama has no tokenizer).

Usage: make_stats.py MODULE.mlir OUT.qstats [--arch A] [--rows R] [--samples S]

Layers are the qcc.gemm ops with a qcc.layer attribute, in program order (as findLinearLayers sees them,
trans_b weights [N, K]). Layers that read the same SSA value share one activation matrix X [R, K]: rows of
correlated Gaussians with a few outlier channels (x20), like LLM activations. Per layer: absmax, mean_abs,
X^T X (f64) and the first S rows as samples, in the blob with FNV-1a 64 checksums."""
import json
import re
import sys

import numpy as np


def fnv1a64(data):
    h = 1469598103934665603
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "fnv1a64:%016x" % h


def main():
    a = sys.argv[1:]
    module, out = a[0], a[1]
    opt = lambda k, d: a[a.index(k) + 1] if k in a else d  # noqa: E731
    arch, rows, nsamp = opt("--arch", "llama"), int(opt("--rows", "64")), int(opt("--samples", "16"))
    text = open(module).read()
    pat = re.compile(r"qcc\.gemm (%[\w.#]+), %[\w.#]+(?:, %[\w.#]+)? \{([^}]*)\} : \(tensor<[^>]*>, "
                     r"tensor<(\d+)x(\d+)xf32>")
    layers = []
    for m in pat.finditer(text):
        attrs = m.group(2)
        name = re.search(r'qcc\.layer = "([^"]+)"', attrs)
        if not name:
            continue
        d0, d1 = int(m.group(3)), int(m.group(4))
        trans_b = "trans_b = true" in attrs
        n, k = (d0, d1) if trans_b else (d1, d0)
        layers.append((name.group(1), n, k, m.group(1)))
    if not layers:
        sys.exit("make_stats.py: no qcc.gemm with qcc.layer in " + module)
    rng = np.random.default_rng(7)
    xs = {}
    blob = bytearray()
    seen = {}

    def add(arr, dtype):
        data = arr.astype(dtype).tobytes()
        key = (data, dtype)
        if key in seen:
            return dict(seen[key])
        while len(blob) % 8:
            blob.append(0)
        ref = {"offset": len(blob), "count": int(arr.size), "dtype": "f64" if dtype == np.float64 else "f32",
               "checksum": fnv1a64(data)}
        blob.extend(data)
        seen[key] = ref
        return dict(ref)

    jl = {}
    tensors = []
    for name, n, k, x in layers:
        tensors.append({"name": name, "shape": [n, k]})
        if x not in xs:
            scale = np.where(rng.random(k) < 0.08, 20.0, 1.0)
            common = rng.standard_normal((rows, 1))
            xs[x] = ((0.7 * rng.standard_normal((rows, k)) + 0.3 * common) * scale).astype(np.float32)
        X = xs[x].astype(np.float64)
        samples = add(xs[x][:nsamp], np.float32)
        samples["rows"] = nsamp
        jl[name] = {"in_features": k, "out_features": n, "rows": rows,
                    "absmax": [float(v) for v in np.abs(xs[x]).max(0)],
                    "mean_abs": [float(v) for v in np.abs(xs[x]).mean(0).astype(np.float32)],
                    "xtx": add(X.T @ X, np.float64), "samples": samples}
    digest_text = arch + "\n" + "".join("%s %d %d\n" % (t["name"], *t["shape"]) for t in tensors)
    root = {"format": "qcc-calibration-stats", "version": 1,
            "model": {"path": module, "arch": arch, "digest": fnv1a64(digest_text.encode()), "tensors": tensors},
            "calibration": {"source": "synthetic (make_stats.py)", "samples": 1, "seq_len": rows},
            "blob": {"file": out.split("/")[-1] + ".bin", "bytes": len(blob)}, "layers": jl}
    open(out + ".bin", "wb").write(bytes(blob))
    open(out, "w").write(json.dumps(root, indent=1) + "\n")
    print("make_stats.py: %d layers, %d input groups" % (len(layers), len(xs)))


if __name__ == "__main__":
    main()
