#!/usr/bin/env python3
"""Compiles a real pretrained ONNX model with qcc, runs it with qcc-run and compares with onnxruntime.

The models are the three PaddleOCR networks shipped in the `rapidocr_onnxruntime` wheel. The input is a
text-like image rendered with numpy (dark glyphs from a 5x7 bitmap font on a light, slightly noisy
background), normalized the way rapidocr normalizes it for that model. The check is

    max |qcc - ort| / max(max |ort|, 1e-6) <= --tol      (default 1e-3, "relative to output scale")

and it prints one `PASS`/`FAIL` line with the figures (exit status 0/1). Exit status 77 with a `SKIP` line
when the package or onnxruntime is missing.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

# name -> (file stem, input shape, normalization (mean, std) applied to [0, 1] pixels)
MODELS = {
    "cls": ("ch_ppocr_mobile_v2.0_cls_infer", (1, 3, 48, 192), (0.5, 0.5)),
    "det": ("ch_PP-OCRv4_det_infer", (1, 3, 160, 160),
            ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))),
    "rec": ("ch_PP-OCRv4_rec_infer", (1, 3, 48, 320), (0.5, 0.5)),
}

# A 5x7 bitmap font for the glyphs used in the rendered line (rows top to bottom, 5 bits each).
FONT = {
    "Q": [0b01110, 0b10001, 0b10001, 0b10001, 0b10101, 0b10010, 0b01101],
    "C": [0b01110, 0b10001, 0b10000, 0b10000, 0b10000, 0b10001, 0b01110],
    "O": [0b01110, 0b10001, 0b10001, 0b10001, 0b10001, 0b10001, 0b01110],
    "N": [0b10001, 0b11001, 0b10101, 0b10011, 0b10001, 0b10001, 0b10001],
    "X": [0b10001, 0b10001, 0b01010, 0b00100, 0b01010, 0b10001, 0b10001],
    "2": [0b01110, 0b10001, 0b00001, 0b00010, 0b00100, 0b01000, 0b11111],
    "0": [0b01110, 0b10011, 0b10101, 0b10101, 0b11001, 0b10001, 0b01110],
    "6": [0b00110, 0b01000, 0b10000, 0b11110, 0b10001, 0b10001, 0b01110],
    " ": [0] * 7,
}


def models_dir() -> Path | None:
    """The rapidocr_onnxruntime models directory, found without importing the package (it needs cv2)."""
    spec = importlib.util.find_spec("rapidocr_onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    d = Path(list(spec.submodule_search_locations)[0]) / "models"
    return d if d.is_dir() else None


def render_text(text: str, height: int, width: int, seed: int) -> np.ndarray:
    """Renders `text` as dark glyphs on a light background: an HxWx3 float image in [0, 1]."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width), 0.92) + rng.normal(0.0, 0.02, (height, width))
    scale = max(1, min((height * 6 // 10) // 7, width // (len(text) * 6 + 2)))
    x = max(1, (width - len(text) * 6 * scale) // 2)
    y = (height - 7 * scale) // 2
    for ch in text:
        rows = FONT[ch]
        for r, bits in enumerate(rows):
            for c in range(5):
                if bits & (1 << (4 - c)):
                    img[y + r * scale:y + (r + 1) * scale, x + c * scale:x + (c + 1) * scale] = 0.1
        x += 6 * scale
        if x + 6 * scale > width:
            break
    img = np.clip(img, 0.0, 1.0)
    tint = np.array([1.0, 0.97, 0.94])  # slightly warm paper
    return img[:, :, None] * tint[None, None, :]


def make_input(shape, norm, seed: int) -> np.ndarray:
    """The NCHW float32 input: the rendered text line normalized like rapidocr's preprocessing."""
    n, c, h, w = shape
    text = "QCC 2026 ONNX" if w >= 200 else "QCC 2026"
    img = render_text(text, h, w, seed)
    mean = np.array(norm[0], dtype=np.float64).reshape(-1)
    std = np.array(norm[1], dtype=np.float64).reshape(-1)
    x = (img - mean) / std
    x = np.transpose(x, (2, 0, 1))[None].repeat(n, axis=0)
    return np.ascontiguousarray(x.astype(np.float32))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model", choices=sorted(MODELS))
    p.add_argument("--workdir", type=Path, required=True)
    p.add_argument("--qcc", default="qcc")
    p.add_argument("--qcc-run", default="qcc-run")
    p.add_argument("--tol", type=float, default=1e-3, help="max abs error relative to the output scale")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--timeout", type=float, default=600)
    args = p.parse_args()

    mdir = models_dir()
    if mdir is None:
        print("SKIP: rapidocr_onnxruntime is not installed")
        return 77
    try:
        import onnxruntime as ort
    except ImportError:
        print("SKIP: onnxruntime is not installed")
        return 77
    stem, shape, norm = MODELS[args.model]
    model = mdir / f"{stem}.onnx"
    if args.workdir.exists():
        shutil.rmtree(args.workdir)
    args.workdir.mkdir(parents=True)

    x = make_input(shape, norm, args.seed)
    x_path = args.workdir / "x.npy"
    np.save(x_path, x)
    sess = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    in_name = sess.get_inputs()[0].name
    out_names = [o.name for o in sess.get_outputs()]
    refs = sess.run(None, {in_name: x})

    so = args.workdir / "model.so"
    t0 = time.monotonic()
    cmd = [args.qcc, str(model), "--input-shape", f"{in_name}=" + ",".join(map(str, shape)), "-o", str(so)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    compile_s = time.monotonic() - t0
    if r.returncode != 0:
        print(f"FAIL {args.model}: qcc exit {r.returncode}: {(r.stderr or r.stdout).strip()[:2000]}")
        return 1
    out_dir = args.workdir / "out"
    out_dir.mkdir()
    cmd = [args.qcc_run, str(so), "--input", f"{in_name}={x_path}", "--output-dir", str(out_dir),
           "--threads", str(args.threads)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    if r.returncode != 0:
        print(f"FAIL {args.model}: qcc-run exit {r.returncode}: {(r.stderr or r.stdout).strip()[:2000]}")
        return 1

    ok = True
    for i, (name, ref) in enumerate(zip(out_names, refs)):
        cands = [out_dir / f"{name}.npy", out_dir / f"output_{i}.npy"]
        cands += [out_dir / f"{''.join(c if c.isalnum() or c in '_.-' else '_' for c in name)}.npy"]
        found = [c for c in cands if c.is_file()]
        if not found:
            files = sorted(out_dir.glob("*.npy"))
            found = files if len(files) == 1 == len(out_names) else []
        if not found:
            print(f"FAIL {args.model}: qcc-run wrote no file for output '{name}'")
            return 1
        got = np.load(found[0])
        if got.shape != ref.shape or got.dtype != ref.dtype:
            print(f"FAIL {args.model}: output '{name}' is {got.dtype}{list(got.shape)}, "
                  f"onnxruntime gives {ref.dtype}{list(ref.shape)}")
            return 1
        scale = max(float(np.abs(ref).max()), 1e-6)
        err = float(np.abs(got.astype(np.float64) - ref.astype(np.float64)).max())
        rel = err / scale
        line = (f"{args.model}: output '{name}' {list(ref.shape)}: max abs err {err:.3g}, output scale "
                f"{scale:.3g}, relative {rel:.3g} (tol {args.tol:g}); compile {compile_s:.1f}s")
        if args.model in ("cls", "rec"):
            # Classifiers: the decisions must agree too (argmax over the class axis).
            agree = float(np.mean(got.argmax(-1) == ref.argmax(-1)))
            line += f"; argmax agreement {agree:.3f}"
        if not np.isfinite(got).all() or rel > args.tol:
            ok = False
        print(("PASS " if ok else "FAIL ") + line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
