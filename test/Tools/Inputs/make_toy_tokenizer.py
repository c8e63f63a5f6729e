"""Writes the toy tokenizer.json of the qcc-run / qcc-perplexity tests.

A byte-level BPE (GPT-2 byte alphabet) with the 256 byte tokens (ids 0..255, in
byte order), no merges, and three added special tokens: <|endoftext|> = 256,
<|im_start|> = 257, <|im_end|> = 258 (the toy model's vocabulary is 259). With --merge, one merge
"Ġ t" adds the token "Ġt" = 259 (vocabulary 260; build the toy model with -DTOY_VOCAB=260).
Usage: make_toy_tokenizer.py OUT.json [--merge]
"""
import json
import sys


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def main():
    table = bytes_to_unicode()
    vocab = {table[b]: b for b in range(256)}
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    added = []
    for i, s in enumerate(specials):
        vocab[s] = 256 + i
        added.append({"id": 256 + i, "content": s, "single_word": False, "lstrip": False,
                      "rstrip": False, "normalized": False, "special": True})
    merges = []
    if "--merge" in sys.argv[2:]:
        vocab["\u0120t"] = 259
        merges = ["\u0120 t"]
    tok = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                          "use_regex": True},
        "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False,
                           "use_regex": True},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                    "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": False, "vocab": vocab, "merges": merges},
    }
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(tok, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
