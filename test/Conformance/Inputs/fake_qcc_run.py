#!/usr/bin/env python3
"""Stand-in for `qcc-run` in the runner's self-test: runs the "model.so" (an ONNX file written by
fake_qcc.py) with onnxruntime. Usage: `fake_qcc_run.py model.so --output-dir D --input name=file.npy ...`;
writes D/<output name>.npy. To exercise the runner's comparison, QCC_FAKE_PERTURB=<delta> adds delta to
floating-point outputs and QCC_FAKE_FLIP_INT=1 flips the lowest bit of integer outputs.
"""
import argparse
import os
import sys

import numpy as np
import onnxruntime as ort


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--output-dir", required=True)
    p.add_argument("--input", action="append", default=[])
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    feeds = {}
    for spec in a.input:
        name, path = spec.split("=", 1)
        feeds[name] = np.load(path)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = a.threads
    sess = ort.InferenceSession(a.model, opts, providers=["CPUExecutionProvider"])
    # Like the real runtime, reject inputs whose rank differs from the model's declared one.
    for info in sess.get_inputs():
        if info.name in feeds and len(info.shape) != feeds[info.name].ndim:
            print(f"fake_qcc_run: error: input '{info.name}': expected rank {len(info.shape)}, got rank "
                  f"{feeds[info.name].ndim}", file=sys.stderr)
            return 2
    delta = float(os.environ.get("QCC_FAKE_PERTURB", "0"))
    flip = os.environ.get("QCC_FAKE_FLIP_INT") == "1"
    for out, value in zip(sess.get_outputs(), sess.run(None, feeds)):
        value = np.asarray(value)
        if delta and value.dtype.kind == "f":
            value = value + np.asarray(delta, value.dtype)
        elif flip and value.dtype.kind in "iu":
            value = value ^ np.asarray(1, value.dtype)
        np.save(os.path.join(a.output_dir, out.name + ".npy"), value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
