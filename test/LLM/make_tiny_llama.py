"""Writes a tiny random llama-architecture GGUF (F32 tensors) for fast tests of the LLM importer.

Usage: make_tiny_llama.py OUT.gguf [--layers N] [--hidden H] [--heads H] [--kv-heads K] [--ff F] [--vocab V]
       [--untied] [--bad TENSOR=d0,d1] [--f16-layer N] [--bpe]
--bad writes TENSOR with a wrong logical shape; --f16-layer stores the matrices of layer N as F16 (its
tensors then differ in type from the other layers')"""
import sys

import numpy as np
import gguf


def main():
    a = sys.argv[1:]
    out = a[0]
    opt = lambda k, d: int(a[a.index(k) + 1]) if k in a else d  # noqa: E731
    L, hd, H, K, F, V = (opt("--layers", 2), opt("--hidden", 64), opt("--heads", 4), opt("--kv-heads", 2),
                         opt("--ff", 96), opt("--vocab", 128))
    bad = {}
    for i, x in enumerate(a):
        if x == "--bad":
            name, dims = a[i + 1].split("=")
            bad[name] = tuple(int(d) for d in dims.split(","))
    f16_layer = opt("--f16-layer", -1)
    D = hd // H
    rng = np.random.default_rng(1)
    w = gguf.GGUFWriter(out, "llama")
    w.add_context_length(256)
    w.add_embedding_length(hd)
    w.add_block_count(L)
    w.add_feed_forward_length(F)
    w.add_head_count(H)
    w.add_head_count_kv(K)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("gpt2")
    if "--bpe" in a:
        # GPT-2's byte -> symbol map: printable bytes map to themselves, the others to U+0100 onwards.
        keep = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
        sym, extra = {}, 0
        for b in range(256):
            if b in keep:
                sym[b] = chr(b)
            else:
                sym[b] = chr(256 + extra)
                extra += 1
        tokens = [sym[b] for b in range(256)] + ["\u0120t", "he", "<|endoftext|>"]
        V = len(tokens)
        w.add_token_list(tokens)
        w.add_token_merges(["\u0120 t", "h e"])
        w.add_bos_token_id(V - 1)
        w.add_eos_token_id(V - 1)
    else:
        w.add_token_list(["<|endoftext|>"] + ["t%d" % i for i in range(1, V)])
    if "--bpe" not in a:
        w.add_bos_token_id(0)
        w.add_eos_token_id(0)

    def t(name, *shape, scale=0.2):
        shape = bad.get(name, shape)
        x = (rng.standard_normal(shape) * scale).astype(np.float32)
        if name.endswith("norm.weight"):
            x = (1.0 + 0.1 * rng.standard_normal(shape)).astype(np.float32)
        elif name.startswith("blk.%d." % f16_layer):
            x = x.astype(np.float16)
        w.add_tensor(name, x)

    t("token_embd.weight", V, hd, scale=1.0)
    for l in range(L):
        p = "blk.%d." % l
        t(p + "attn_norm.weight", hd)
        t(p + "attn_q.weight", hd, hd)
        t(p + "attn_k.weight", K * D, hd)
        t(p + "attn_v.weight", K * D, hd)
        t(p + "attn_output.weight", hd, hd)
        t(p + "ffn_norm.weight", hd)
        t(p + "ffn_gate.weight", F, hd)
        t(p + "ffn_up.weight", F, hd)
        t(p + "ffn_down.weight", hd, F)
    t("output_norm.weight", hd)
    if "--untied" in a:
        t("output.weight", V, hd)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


main()
