#!/usr/bin/env python3
"""Writes BERT checkpoints for the tests and compares a compiled one on random tokens.

usage:
  bert_make.py tiny DIR [--prefix P] [--act A] [--drop NAME] [--normalize] [--dtype F16]
      a random-weight BERT (hidden 32, 4 heads, 2 layers, vocab 100, 16 positions) as
      DIR/config.json + DIR/model.safetensors (written with numpy only; tensor names get prefix P,
      e.g. "bert."); --drop leaves tensor NAME out; --normalize adds a sentence-transformers
      modules.json with a Normalize module; --dtype F16 stores the tensors as F16.
  bert_make.py variant SRC DST KEY=JSON... [--pooling KEY=JSON...]
      DST/config.json = SRC/config.json with the keys replaced; DST/model.safetensors links to SRC's;
      modules.json and 1_Pooling/config.json are copied (the latter with the --pooling keys replaced).
  bert_make.py compare DIR MODEL_SO QCC_RUN WORK [--batch B --seq S]
      random input_ids/token_type_ids with a padded attention_mask through qcc-run vs
      bert_reference.py: prints max |diff| of last_hidden_state (real tokens) and of the sentence
      embedding, PASS when both are <= 1e-4.
  bert_make.py overlong DIR MODEL_SO QCC_RUN WORK
      runs one row of max_position_embeddings + 4 tokens: prints how many outputs are NaN (all of
      them: positions past the table are NaN padding, never read out of bounds).
"""
import json
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def write_safetensors(path, tensors, dtype="F32"):
    np_type = {"F32": np.float32, "F16": np.float16}[dtype]
    tensors = {k: np.ascontiguousarray(v, dtype=np_type) for k, v in tensors.items()}
    header, offset = {}, 0
    for name, arr in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + arr.nbytes]}
        offset += arr.nbytes
    blob = json.dumps(header).encode()
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for arr in tensors.values():
            f.write(arr.tobytes())


def tiny(argv):
    d = argv[0]
    opts = {"--prefix": "", "--act": "gelu", "--drop": None, "--dtype": "F32"}
    normalize = "--normalize" in argv
    for k in opts:
        if k in argv:
            opts[k] = argv[argv.index(k) + 1]
    h, f, layers, vocab, pos, types = 32, 64, 2, 100, 16, 2
    cfg = {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": h,
           "num_attention_heads": 4, "num_hidden_layers": layers, "intermediate_size": f,
           "vocab_size": vocab, "max_position_embeddings": pos, "type_vocab_size": types,
           "layer_norm_eps": 1e-12, "hidden_act": opts["--act"]}
    rng = np.random.default_rng(7)
    t = {"embeddings.word_embeddings.weight": rng.normal(0, 1, (vocab, h)),
         "embeddings.position_embeddings.weight": rng.normal(0, 0.5, (pos, h)),
         "embeddings.token_type_embeddings.weight": rng.normal(0, 0.5, (types, h)),
         "embeddings.LayerNorm.weight": rng.normal(1, 0.1, h),
         "embeddings.LayerNorm.bias": rng.normal(0, 0.1, h)}
    for i in range(layers):
        p = "encoder.layer.%d." % i
        for proj in ("attention.self.query", "attention.self.key", "attention.self.value",
                     "attention.output.dense"):
            t[p + proj + ".weight"] = rng.normal(0, h ** -0.5, (h, h))
            t[p + proj + ".bias"] = rng.normal(0, 0.1, h)
        t[p + "intermediate.dense.weight"] = rng.normal(0, h ** -0.5, (f, h))
        t[p + "intermediate.dense.bias"] = rng.normal(0, 0.1, f)
        t[p + "output.dense.weight"] = rng.normal(0, f ** -0.5, (h, f))
        t[p + "output.dense.bias"] = rng.normal(0, 0.1, h)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            t[p + ln + ".weight"] = rng.normal(1, 0.1, h)
            t[p + ln + ".bias"] = rng.normal(0, 0.1, h)
    t = {opts["--prefix"] + k: v for k, v in t.items() if k != opts["--drop"]}
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as fp:
        json.dump(cfg, fp, indent=1)
    write_safetensors(os.path.join(d, "model.safetensors"), t, opts["--dtype"])
    if normalize:
        with open(os.path.join(d, "modules.json"), "w") as fp:
            json.dump([{"idx": 0, "name": "0", "path": "",
                        "type": "sentence_transformers.models.Transformer"},
                       {"idx": 1, "name": "1", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"}], fp)
    return 0


def variant(argv):
    src, dst = argv[0], argv[1]
    rest = argv[2:]
    pooling = []
    if "--pooling" in rest:
        pooling = rest[rest.index("--pooling") + 1:]
        rest = rest[:rest.index("--pooling")]
    os.makedirs(dst, exist_ok=True)
    with open(os.path.join(src, "config.json")) as fp:
        cfg = json.load(fp)
    for kv in rest:
        k, v = kv.split("=", 1)
        cfg[k] = json.loads(v)
    with open(os.path.join(dst, "config.json"), "w") as fp:
        json.dump(cfg, fp, indent=1)
    os.symlink(os.path.abspath(os.path.join(src, "model.safetensors")),
               os.path.join(dst, "model.safetensors"))
    if os.path.exists(os.path.join(src, "modules.json")):
        shutil.copy(os.path.join(src, "modules.json"), dst)
    pool = os.path.join(src, "1_Pooling", "config.json")
    if os.path.exists(pool):
        os.makedirs(os.path.join(dst, "1_Pooling"), exist_ok=True)
        with open(pool) as fp:
            pcfg = json.load(fp)
        for kv in pooling:
            k, v = kv.split("=", 1)
            pcfg[k] = json.loads(v)
        with open(os.path.join(dst, "1_Pooling", "config.json"), "w") as fp:
            json.dump(pcfg, fp)
    return 0


def compare(argv):
    import bert_reference
    d, so, qcc_run, work = argv[:4]
    batch = int(argv[argv.index("--batch") + 1]) if "--batch" in argv else 3
    seq = int(argv[argv.index("--seq") + 1]) if "--seq" in argv else 11
    ckpt = bert_reference.load_checkpoint(d)
    rng = np.random.default_rng(3)
    vocab, types = ckpt.config["vocab_size"], ckpt.config["type_vocab_size"]
    feeds = {"input_ids": rng.integers(0, vocab, (batch, seq)).astype(np.int64),
             "attention_mask": np.ones((batch, seq), np.int64),
             "token_type_ids": rng.integers(0, types, (batch, seq)).astype(np.int64)}
    for b in range(1, batch):  # row b has b * 3 padding tokens at the end
        feeds["attention_mask"][b, max(1, seq - 3 * b):] = 0
    os.makedirs(work, exist_ok=True)
    cmd = [qcc_run, so, "--output-dir", work]
    for name, value in feeds.items():
        np.save(os.path.join(work, name + ".npy"), value)
        cmd += ["--input", "%s=%s" % (name, os.path.join(work, name + ".npy"))]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    hidden = np.load(os.path.join(work, "last_hidden_state.npy"))
    emb = np.load(os.path.join(work, "sentence_embedding.npy"))
    ref_hidden, ref_emb = bert_reference.forward(ckpt, feeds["input_ids"], feeds["attention_mask"],
                                                 feeds["token_type_ids"])
    valid = feeds["attention_mask"].astype(bool)
    dh = float(np.abs(hidden - ref_hidden)[valid].max())
    de = float(np.abs(emb - ref_emb).max())
    norms = np.linalg.norm(emb, axis=1)
    print("shapes %s %s" % (list(hidden.shape), list(emb.shape)))
    print("max |last_hidden_state - reference| %.3g" % dh)
    print("max |sentence_embedding - reference| %.3g" % de)
    print("embedding norms %s" % " ".join("%.4f" % n for n in norms))
    ok = dh <= 1e-4 and de <= 1e-4
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def overlong(argv):
    d, so, qcc_run, work = argv[:4]
    with open(os.path.join(d, "config.json")) as fp:
        seq = json.load(fp)["max_position_embeddings"] + 4
    os.makedirs(work, exist_ok=True)
    cmd = [qcc_run, so, "--output-dir", work]
    for name in ("input_ids", "attention_mask", "token_type_ids"):
        np.save(os.path.join(work, name + ".npy"),
                np.full((1, seq), 1 if name != "token_type_ids" else 0, np.int64))
        cmd += ["--input", "%s=%s" % (name, os.path.join(work, name + ".npy"))]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    for name in ("last_hidden_state", "sentence_embedding"):
        out = np.load(os.path.join(work, name + ".npy"))
        print("%s %s: %d of %d NaN" % (name, list(out.shape), np.isnan(out).sum(), out.size))
    return 0


if __name__ == "__main__":
    sys.exit({"tiny": tiny, "variant": variant, "compare": compare, "overlong": overlong}[sys.argv[1]](sys.argv[2:]))
