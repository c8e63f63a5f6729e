"""Dumps every tensor of a safetensors file with qcc-inspect and compares with numpy reading the file.

Usage: compare_safetensors.py FILE WORKDIR   (prints PASS n tensors, or FAIL lines and exits 1)"""
import json, os, struct, subprocess, sys
import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "I32": np.int32, "I64": np.int64, "I8": np.int8}


def main():
    path, work = sys.argv[1:]
    os.makedirs(work, exist_ok=True)
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    bad = count = 0
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        if e["dtype"] == "BF16":
            ref = (np.frombuffer(raw[base + b:base + end], np.uint16).astype(np.uint32) << 16).view(np.float32)
        else:
            ref = np.frombuffer(raw[base + b:base + end], DTYPES[e["dtype"]]).astype(np.float32)
        ref = ref.reshape(e["shape"])
        out = os.path.join(work, "t.npy")
        subprocess.run(["qcc-inspect", path, "--dump", name, "-o", out], check=True)
        got = np.load(out)
        count += 1
        if got.shape != ref.shape or not np.array_equal(got, ref):
            print("FAIL %s got %s ref %s" % (name, got.shape, ref.shape))
            bad += 1
    if bad:
        sys.exit(1)
    print("PASS %d tensors" % count)


main()
