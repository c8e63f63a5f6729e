"""Converts a llama-architecture GGUF into a Hugging Face directory: config.json, model.safetensors (F32 or F16,
HF tensor names, Q/K rows un-permuted back to HF order) and tokenizer.json (byte-level BPE from the GGUF vocab).

llama.cpp's converter stores Q/K with the rows of each head permuted so that its adjacent-pair ("NORM") rope
equals HF's half-split rope: gguf = W.reshape(n, 2, D/2, in).swapaxes(1, 2). This undoes it.

Usage: gguf_to_safetensors.py MODEL.gguf OUTDIR [--f16] [--shards N] [--no-tie]
  --shards N   split the tensors over N files with a model.safetensors.index.json
  --no-tie     write lm_head.weight explicitly and tie_word_embeddings = false"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama_reference import LlamaReference  # noqa: E402

GGUF_TO_HF = {
    "attn_norm": "input_layernorm", "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj", "ffn_norm": "post_attention_layernorm",
    "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
}


def unpermute(w, n_head):
    rows = w.shape[0]
    return w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def write_safetensors(path, tensors, dtype):
    header, offset, blobs = {}, 0, []
    for name, a in tensors:
        b = np.ascontiguousarray(a.astype(dtype)).tobytes()
        header[name] = {"dtype": "F16" if dtype == np.float16 else "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + len(b)]}
        offset += len(b)
        blobs.append(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    args = sys.argv[1:]
    src, out = args[0], args[1]
    dtype = np.float16 if "--f16" in args else np.float32
    shards = int(args[args.index("--shards") + 1]) if "--shards" in args else 1
    tie = "--no-tie" not in args
    ref = LlamaReference(src)
    os.makedirs(out, exist_ok=True)
    tensors = []
    for name, w in ref.w.items():
        if name == "token_embd.weight":
            hf = "model.embed_tokens.weight"
        elif name == "output_norm.weight":
            hf = "model.norm.weight"
        elif name == "output.weight":
            hf = "lm_head.weight"
        else:
            _, layer, kind, suffix = name.split(".")
            hf = "model.layers.%s.%s.%s" % (layer, GGUF_TO_HF[kind], suffix)
            if kind == "attn_q":
                w = unpermute(w, ref.n_heads)
            elif kind == "attn_k":
                w = unpermute(w, ref.n_kv)
        tensors.append((hf, w))
    if not tie and "output.weight" not in ref.w:
        tensors.append(("lm_head.weight", ref.w["token_embd.weight"]))
    if shards == 1:
        write_safetensors(os.path.join(out, "model.safetensors"), tensors, dtype)
    else:
        weight_map = {}
        per = (len(tensors) + shards - 1) // shards
        for i in range(shards):
            fname = "model-%05d-of-%05d.safetensors" % (i + 1, shards)
            part = tensors[i * per:(i + 1) * per]
            write_safetensors(os.path.join(out, fname), part, dtype)
            weight_map.update({n: fname for n, _ in part})
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=1)
    config = {
        "architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "hidden_size": ref.hidden, "intermediate_size": int(ref.w["blk.0.ffn_up.weight"].shape[0]),
        "num_hidden_layers": ref.n_layers, "num_attention_heads": ref.n_heads,
        "num_key_value_heads": ref.n_kv, "vocab_size": ref.vocab, "max_position_embeddings": 8192,
        "rope_theta": ref.theta, "rms_norm_eps": ref.eps, "tie_word_embeddings": tie and "output.weight" not in ref.w,
        "bos_token_id": ref.bos, "eos_token_id": ref.eos, "hidden_act": "silu",
        "torch_dtype": "float16" if dtype == np.float16 else "float32",
    }
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    ref.tokenizer().save(os.path.join(out, "tokenizer.json"))
    print("wrote %s: %d tensors in %d file(s), %s" % (out, len(tensors), shards, config["torch_dtype"]))


main()
