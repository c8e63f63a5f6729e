"""Independent numpy reference of a Llama-family causal LM read from a GGUF file.

Reads the tensors with the `gguf` package (gguf.quants.dequantize), and implements RMSNorm, rotary embedding
(llama.cpp "NORM" rope: adjacent pairs (2i, 2i+1), matching the Q/K row permutation of llama.cpp's converter),
grouped-query causal attention over a KV cache, the SwiGLU MLP and the (tied) LM head itself. No qcc code.

    ref = LlamaReference(path)
    logits, k, v = ref.forward(ids, positions, past_k, past_v)   # Contract 5 shapes, float32
"""
import numpy as np
import gguf


def _field(reader, key):
    f = reader.fields.get(key)
    if f is None:
        return None
    v = f.parts[f.data[0]]
    return v.tolist()[0] if v.size == 1 else v.tolist()


class LlamaReference:
    def __init__(self, path):
        r = gguf.GGUFReader(path)
        self.n_layers = int(_field(r, "llama.block_count"))
        self.n_heads = int(_field(r, "llama.attention.head_count"))
        kv = _field(r, "llama.attention.head_count_kv")
        self.n_kv = int(kv) if kv is not None else self.n_heads
        self.hidden = int(_field(r, "llama.embedding_length"))
        self.head_dim = self.hidden // self.n_heads
        theta = _field(r, "llama.rope.freq_base")
        self.theta = float(theta) if theta is not None else 10000.0
        eps = _field(r, "llama.attention.layer_norm_rms_epsilon")
        self.eps = float(eps) if eps is not None else 1e-5
        self.bos = _field(r, "tokenizer.ggml.bos_token_id")
        self.eos = _field(r, "tokenizer.ggml.eos_token_id")
        self.w = {}
        for t in r.tensors:
            a = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32)
            self.w[t.name] = a.reshape(tuple(int(d) for d in reversed(t.shape)))
        self.vocab = self.w["token_embd.weight"].shape[0]
        self.lm_head = self.w.get("output.weight", self.w["token_embd.weight"])
        def strings(key):
            f = r.fields.get(key)
            return [bytes(f.parts[i]).decode("utf-8") for i in f.data] if f is not None else []
        self.tokens = strings("tokenizer.ggml.tokens")
        self.merges = strings("tokenizer.ggml.merges")

    def tokenizer(self):
        """A byte-level BPE tokenizer (HF `tokenizers`) built from the GGUF vocabulary and merges."""
        from tokenizers import Tokenizer, models, pre_tokenizers, decoders
        vocab = {t: i for i, t in enumerate(self.tokens)}
        merges = [tuple(m.split(" ", 1)) for m in self.merges]
        tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        tok.add_special_tokens([t for t in self.tokens if t.startswith("<|") and t.endswith("|>")])
        return tok

    def _rms(self, x, g):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * g

    def _rope(self, x, pos):
        # x [B, S, n, D]; adjacent pairs (2i, 2i+1) rotated by pos * theta^(-2i/D), in float64.
        D = x.shape[-1]
        inv = self.theta ** (-np.arange(0, D, 2, dtype=np.float64) / D)
        ang = pos[:, :, None, None].astype(np.float64) * inv          # [B, S, 1, D/2]
        c, s = np.cos(ang), np.sin(ang)
        a, b = x[..., 0::2].astype(np.float64), x[..., 1::2].astype(np.float64)
        out = np.empty(x.shape, np.float64)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return out.astype(np.float32)

    def forward(self, ids, positions, past_k, past_v):
        """ids, positions [B, S] int64; past_k/v [P, L, B, Hkv, D]. Returns logits [B, S, V] and
        present_k/v [S, L, B, Hkv, D]."""
        B, S = ids.shape
        H, Hkv, D = self.n_heads, self.n_kv, self.head_dim
        G = H // Hkv
        x = self.w["token_embd.weight"][ids]                              # [B, S, hidden]
        pres_k = np.zeros((S, self.n_layers, B, Hkv, D), np.float32)
        pres_v = np.zeros_like(pres_k)
        P = past_k.shape[0]
        for l in range(self.n_layers):
            p = "blk.%d." % l
            h = self._rms(x, self.w[p + "attn_norm.weight"])
            q = (h @ self.w[p + "attn_q.weight"].T).reshape(B, S, H, D)
            k = (h @ self.w[p + "attn_k.weight"].T).reshape(B, S, Hkv, D)
            v = (h @ self.w[p + "attn_v.weight"].T).reshape(B, S, Hkv, D)
            q, k = self._rope(q, positions), self._rope(k, positions)
            pres_k[:, l] = k.transpose(1, 0, 2, 3)
            pres_v[:, l] = v.transpose(1, 0, 2, 3)
            out = np.zeros((B, S, H, D), np.float32)
            for b in range(B):
                n_past = int(positions[b, 0])
                keys = np.concatenate([past_k[:n_past, l, b], k[b]], axis=0)     # [n_past + S, Hkv, D]
                vals = np.concatenate([past_v[:n_past, l, b], v[b]], axis=0)
                for hh in range(H):
                    kv = hh // G
                    sc = (q[b, :, hh] @ keys[:, kv].T) / np.sqrt(D)             # [S, n_past + S]
                    mask = np.arange(n_past + S)[None, :] <= (n_past + np.arange(S))[:, None]
                    sc = np.where(mask, sc, -np.inf)
                    e = np.exp(sc - sc.max(axis=1, keepdims=True))
                    out[b, :, hh] = (e / e.sum(axis=1, keepdims=True)) @ vals[:, kv]
            x = x + out.reshape(B, S, H * D) @ self.w[p + "attn_output.weight"].T
            h = self._rms(x, self.w[p + "ffn_norm.weight"])
            g = h @ self.w[p + "ffn_gate.weight"].T
            u = h @ self.w[p + "ffn_up.weight"].T
            x = x + ((g / (1 + np.exp(-g))) * u) @ self.w[p + "ffn_down.weight"].T
        x = self._rms(x, self.w["output_norm.weight"])
        return (x @ self.lm_head.T).astype(np.float32), pres_k, pres_v

    def empty_cache(self, B=1):
        """A one-slot cache (Contract 5: P >= 1); the slot is masked while positions start at 0."""
        return (np.zeros((1, self.n_layers, B, self.n_kv, self.head_dim), np.float32),
                np.zeros((1, self.n_layers, B, self.n_kv, self.head_dim), np.float32))
