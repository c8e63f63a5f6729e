#!/usr/bin/env python3
"""Independent numpy reference of a BERT encoder with sentence-transformers pooling (no qcc code).

Reads a Hugging Face checkpoint directory (config.json, model.safetensors, modules.json,
1_Pooling/config.json) with numpy only: the safetensors header JSON is parsed here, the tensors are
views of a numpy memmap. The forward pass follows transformers' BertModel in float64 (embeddings
word + position + token type, LayerNorm, per layer: self-attention with the additive
attention-mask, output dense + residual + LayerNorm, GELU FFN (erf, or tanh for gelu_new) + residual + LayerNorm), then
mean pooling over the attention mask and L2 normalization when modules.json lists a Normalize module.

usage as a module:  w = load_checkpoint(dir); h, e = forward(w, ids, mask, types)
"""
import json
import math
import os
import struct

import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """All tensors of a safetensors file as numpy arrays (float tensors as float64)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + n)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        if info["dtype"] == "BF16":
            raw = np.frombuffer(data[begin:end], dtype=np.uint16).astype(np.uint32) << 16
            arr = raw.view(np.float32)
        else:
            arr = np.frombuffer(data[begin:end], dtype=_DTYPES[info["dtype"]])
        arr = arr.reshape(info["shape"])
        out[name] = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
    return out


class Checkpoint:
    """Config, weights (names without a leading 'bert.'), pooling and normalization flags."""

    def __init__(self, directory):
        with open(os.path.join(directory, "config.json")) as f:
            self.config = json.load(f)
        tensors = read_safetensors(os.path.join(directory, "model.safetensors"))
        self.w = {k[5:] if k.startswith("bert.") else k: v for k, v in tensors.items()}
        self.normalize = False
        modules = os.path.join(directory, "modules.json")
        if os.path.exists(modules):
            with open(modules) as f:
                self.normalize = any(m["type"].endswith("Normalize") for m in json.load(f))


def load_checkpoint(directory):
    return Checkpoint(directory)


def layer_norm(x, g, b, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * g + b


_erf = np.vectorize(math.erf)


def gelu(x, act="gelu"):
    """transformers' "gelu" is the exact erf form; "gelu_new"/"gelu_pytorch_tanh" the tanh form."""
    if act in ("gelu_new", "gelu_pytorch_tanh"):
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    assert act == "gelu", act
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def linear(x, w, prefix):
    return x @ w[prefix + ".weight"].T + w[prefix + ".bias"]


def forward(ckpt, input_ids, attention_mask, token_type_ids):
    """Returns (last_hidden_state [B,S,H], sentence_embedding [B,H]) in float64."""
    c, w = ckpt.config, ckpt.w
    eps = c.get("layer_norm_eps", 1e-12)
    heads = c["num_attention_heads"]
    B, S = input_ids.shape
    H = c["hidden_size"]
    D = H // heads
    x = (w["embeddings.word_embeddings.weight"][input_ids]
         + w["embeddings.position_embeddings.weight"][np.arange(S)][None]
         + w["embeddings.token_type_embeddings.weight"][token_type_ids])
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    # Padded keys get a large negative score (transformers uses the dtype's minimum).
    additive = (1.0 - attention_mask.astype(np.float64))[:, None, None, :] * -1e30
    for i in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % i

        def heads_of(t):
            return t.reshape(B, S, heads, D).transpose(0, 2, 1, 3)
        q = heads_of(linear(x, w, p + "attention.self.query"))
        k = heads_of(linear(x, w, p + "attention.self.key"))
        v = heads_of(linear(x, w, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(D) + additive
        scores -= scores.max(-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(B, S, H)
        x = layer_norm(linear(ctx, w, p + "attention.output.dense") + x,
                       w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        up = linear(x, w, p + "intermediate.dense")
        ffn = linear(gelu(up, c.get("hidden_act", "gelu")), w, p + "output.dense")
        x = layer_norm(ffn + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    m = attention_mask.astype(np.float64)[:, :, None]
    emb = (x * m).sum(1) / np.maximum(m.sum(1), 1e-9)
    if ckpt.normalize:
        emb = emb / np.maximum(np.linalg.norm(emb, axis=-1, keepdims=True), 1e-12)
    return x, emb
