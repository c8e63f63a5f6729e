"""A small Llama-style decoder (2 layers, GQA 4/2 heads, RoPE, RMSNorm, SwiGLU) written with onnx.helper in
the graph patterns torch.onnx.export (TorchScript exporter, opset 17) produces for Hugging Face's eager Llama
with a KV cache -- NOT a torch export (torch's PyPI wheel needs the CUDA wheels to import; see docs/LLM.md):

* dynamic dims batch / seq / past; inputs input_ids and past_key_values.N.key/value [batch, 2, past, 16],
  outputs logits and present.N.key/value [batch, 2, past + seq, 16];
* shape arithmetic Shape -> Gather -> Unsqueeze -> Concat feeding Reshape / Expand / ConstantOfShape,
  cache_position = Range(past, past + seq), rotary cos/sin = Cos/Sin(MatMul(Expand(inv_freq), positions)),
  rotate_half by Slice / Neg / Concat;
* the causal mask: ConstantOfShape(min) -> Trilu(k=1) -> Mul by (Range(total) > cache_position) -> Expand;
* Concat of the past with the new K/V, repeat_kv by Unsqueeze / Expand / Reshape, Transpose / Reshape of
  heads, RMSNorm as Pow / ReduceMean / Add / Sqrt / Reciprocal / Mul, SiLU as x * Sigmoid(x).

qcc compiles it once (no --input-shape) and runs a prompt (batch 2, 6 tokens, empty past) then two decode
steps fed back the previous present K/V, and a batch-1 prompt of 3 tokens; onnxruntime runs the same
model with the same inputs (its own present K/V). logits and presents must agree within
|qcc - ort| <= 1e-4 + 1e-4 |ort| (float32). Usage: check_exported_llama.py WORKDIR"""
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

VOCAB, HIDDEN, HEADS, KV_HEADS, HEAD_DIM, FFN, LAYERS = 96, 64, 4, 2, 16, 128, 2
EPS, THETA = 1e-5, 10000.0
RTOL, ATOL = 1e-4, 1e-4
FMIN = float(np.finfo(np.float32).min)


class Graph:
    """Accumulates nodes / initializers with unique names."""

    def __init__(self, rng):
        self.nodes, self.inits, self.n, self.rng = [], [], 0, rng

    def op(self, op_type, *inputs, **attrs):
        self.n += 1
        name = "%s_%d" % (op_type.lower(), self.n)
        self.nodes.append(helper.make_node(op_type, list(inputs), [name], name=name, **attrs))
        return name

    def const(self, value, dtype=np.int64):
        self.n += 1
        name = "const_%d" % self.n
        self.inits.append(numpy_helper.from_array(np.array(value, dtype=dtype), name))
        return name

    def weight(self, *shape, scale=None):
        scale = scale if scale is not None else 1.0 / np.sqrt(shape[0])
        return self.const(self.rng.normal(0, scale, shape), np.float32)

    # Exporter-style pieces.
    def dim(self, tensor, axis):
        """Unsqueeze(Gather(Shape(tensor), axis)): a [1] i64 tensor."""
        g = self.op("Gather", self.op("Shape", tensor), self.const(axis), axis=0)
        return self.op("Unsqueeze", g, self.const([0]))

    def scalar_dim(self, tensor, axis):
        return self.op("Gather", self.op("Shape", tensor), self.const(axis), axis=0)

    def rms_norm(self, x):
        var = self.op("ReduceMean", self.op("Pow", x, self.const(2.0, np.float32)), axes=[-1], keepdims=1)
        inv = self.op("Reciprocal", self.op("Sqrt", self.op("Add", var, self.const(EPS, np.float32))))
        w = self.const(1.0 + 0.1 * self.rng.standard_normal(HIDDEN), np.float32)
        return self.op("Mul", w, self.op("Mul", x, inv))

    def rotate_half(self, x):
        half = HEAD_DIM // 2
        x1 = self.op("Slice", x, self.const([0]), self.const([half]), self.const([-1]))
        x2 = self.op("Slice", x, self.const([half]), self.const([np.iinfo(np.int64).max]), self.const([-1]))
        return self.op("Concat", self.op("Neg", x2), x1, axis=-1)


def build(path, rng):
    g = Graph(rng)
    inputs = [helper.make_tensor_value_info("input_ids", TP.INT64, ["batch", "seq"])]
    outputs = [helper.make_tensor_value_info("logits", TP.FLOAT, ["batch", "seq", VOCAB])]
    for l in range(LAYERS):
        for kv in ("key", "value"):
            inputs.append(helper.make_tensor_value_info("past_key_values.%d.%s" % (l, kv), TP.FLOAT,
                                                        ["batch", KV_HEADS, "past", HEAD_DIM]))
            outputs.append(helper.make_tensor_value_info("present.%d.%s" % (l, kv), TP.FLOAT,
                                                         ["batch", KV_HEADS, "total", HEAD_DIM]))
    ids = "input_ids"
    batch, seq = g.dim(ids, 0), g.dim(ids, 1)
    past = g.scalar_dim("past_key_values.0.key", 2)
    total_s = g.op("Add", past, g.scalar_dim(ids, 1))
    total = g.op("Unsqueeze", total_s, g.const([0]))
    cache_position = g.op("Range", past, total_s, g.const(1))
    position_ids = g.op("Unsqueeze", cache_position, g.const([0]))                    # [1, S]
    # Rotary: cos/sin = Cos/Sin(cat(freqs, freqs)), freqs = (inv_freq[None, :, None] @ pos[:, None, :])^T.
    inv_freq = g.const(THETA ** (-np.arange(0, HEAD_DIM, 2) / HEAD_DIM), np.float32)
    inv_exp = g.op("Expand", g.op("Unsqueeze", inv_freq, g.const([0, 2])),
                   g.op("Concat", g.dim(position_ids, 0), g.const([HEAD_DIM // 2, 1]), axis=0))
    pos_f = g.op("Cast", g.op("Unsqueeze", position_ids, g.const([1])), to=TP.FLOAT)  # [1, 1, S]
    freqs = g.op("Transpose", g.op("MatMul", inv_exp, pos_f), perm=[0, 2, 1])          # [1, S, D/2]
    emb = g.op("Concat", freqs, freqs, axis=-1)
    cos = g.op("Unsqueeze", g.op("Cos", emb), g.const([1]))                             # [1, 1, S, D]
    sin = g.op("Unsqueeze", g.op("Sin", emb), g.const([1]))
    # Causal mask [batch, 1, S, T]: min where key position > query position.
    full = g.op("ConstantOfShape", g.op("Concat", seq, total, axis=0),
                value=helper.make_tensor("v", TP.FLOAT, [1], [FMIN]))
    mask = g.op("Trilu", full, g.const(1), upper=1)
    later = g.op("Greater", g.op("Range", g.const(0), total_s, g.const(1)),
                 g.op("Reshape", cache_position, g.const([-1, 1])))
    mask = g.op("Mul", mask, g.op("Cast", later, to=TP.FLOAT))
    mask = g.op("Expand", g.op("Unsqueeze", mask, g.const([0, 1])),
                g.op("Concat", batch, g.const([1]), seq, total, axis=0))

    x = g.op("Gather", g.weight(VOCAB, HIDDEN, scale=1.0), ids, axis=0)
    scaling = g.const(HEAD_DIM ** -0.5, np.float32)
    for l in range(LAYERS):
        h = g.rms_norm(x)

        def heads(t, n):
            shape = g.op("Concat", batch, seq, g.const([n, HEAD_DIM]), axis=0)
            return g.op("Transpose", g.op("Reshape", t, shape), perm=[0, 2, 1, 3])

        q = heads(g.op("MatMul", h, g.weight(HIDDEN, HEADS * HEAD_DIM)), HEADS)
        k = heads(g.op("MatMul", h, g.weight(HIDDEN, KV_HEADS * HEAD_DIM)), KV_HEADS)
        v = heads(g.op("MatMul", h, g.weight(HIDDEN, KV_HEADS * HEAD_DIM)), KV_HEADS)
        q = g.op("Add", g.op("Mul", q, cos), g.op("Mul", g.rotate_half(q), sin))
        k = g.op("Add", g.op("Mul", k, cos), g.op("Mul", g.rotate_half(k), sin))
        keys = g.op("Concat", "past_key_values.%d.key" % l, k, axis=2)
        values = g.op("Concat", "past_key_values.%d.value" % l, v, axis=2)
        g.nodes.append(helper.make_node("Identity", [keys], ["present.%d.key" % l]))
        g.nodes.append(helper.make_node("Identity", [values], ["present.%d.value" % l]))

        def repeat_kv(t):
            rep = HEADS // KV_HEADS
            e = g.op("Expand", g.op("Unsqueeze", t, g.const([2])),
                     g.op("Concat", g.dim(t, 0), g.const([KV_HEADS, rep]), g.dim(t, 2), g.const([HEAD_DIM]),
                          axis=0))
            return g.op("Reshape", e, g.op("Concat", g.dim(t, 0), g.const([HEADS]), g.dim(t, 2),
                                           g.const([HEAD_DIM]), axis=0))

        scores = g.op("Mul", g.op("MatMul", q, g.op("Transpose", repeat_kv(keys), perm=[0, 1, 3, 2])), scaling)
        probs = g.op("Softmax", g.op("Add", scores, mask), axis=-1)
        o = g.op("Transpose", g.op("MatMul", probs, repeat_kv(values)), perm=[0, 2, 1, 3])
        o = g.op("Reshape", o, g.op("Concat", batch, seq, g.const([HIDDEN]), axis=0))
        x = g.op("Add", x, g.op("MatMul", o, g.weight(HEADS * HEAD_DIM, HIDDEN)))
        h = g.rms_norm(x)
        gate = g.op("MatMul", h, g.weight(HIDDEN, FFN))
        up = g.op("MatMul", h, g.weight(HIDDEN, FFN))
        act = g.op("Mul", gate, g.op("Sigmoid", gate))
        x = g.op("Add", x, g.op("MatMul", g.op("Mul", act, up), g.weight(FFN, HIDDEN)))
    g.nodes.append(helper.make_node("MatMul", [g.rms_norm(x), g.weight(HIDDEN, VOCAB)], ["logits"]))
    model = helper.make_model(helper.make_graph(g.nodes, "llama_export_patterns", inputs, outputs, g.inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def run_qcc(so, feeds, d):
    os.makedirs(d, exist_ok=True)
    cmd = ["qcc-run", so, "--output-dir", d]
    for k, v in feeds.items():
        f = os.path.join(d, "in_" + k + ".npy")
        np.save(f, v)
        cmd += ["--input", "%s=%s" % (k, f)]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return {n: np.load(os.path.join(d, n + ".npy")) for n in os.listdir(d) if not n.startswith("in_")
            for n in [n[:-4]]}


def main():
    work = sys.argv[1]
    os.makedirs(work, exist_ok=True)
    rng = np.random.default_rng(3)
    path = os.path.join(work, "llama_export.onnx")
    build(path, rng)
    so = os.path.join(work, "llama_export.so")
    subprocess.run(["qcc", path, "-o", so], check=True)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    ok = True
    for run, (B, steps) in enumerate([(2, [6, 1, 1]), (1, [3])]):
        past_ort = past_qcc = {n: np.zeros((B, KV_HEADS, 0, HEAD_DIM), np.float32)
                               for n in ("past_key_values.%d.%s" % (l, kv) for l in range(LAYERS)
                                         for kv in ("key", "value"))}
        P = 0
        for step, S in enumerate(steps):
            ids = rng.integers(0, VOCAB, size=(B, S)).astype(np.int64)
            ref = dict(zip(out_names, sess.run(None, dict(input_ids=ids, **past_ort))))
            ours = run_qcc(so, dict(input_ids=ids, **past_qcc), os.path.join(work, "r%d_s%d" % (run, step)))
            worst, good = 0.0, True
            for n in out_names:
                if ours[n].shape != ref[n].shape:
                    print("FAIL B=%d step=%d %s: shape %s, onnxruntime %s" % (B, step, n, ours[n].shape,
                                                                            ref[n].shape))
                    good = False
                    continue
                err = np.abs(ours[n].astype(np.float64) - ref[n])
                worst = max(worst, float(err.max()))
                if not np.all(err <= ATOL + RTOL * np.abs(ref[n])):
                    print("FAIL B=%d step=%d %s: max abs err %.3g" % (B, step, n, err.max()))
                    good = False
            same_argmax = np.array_equal(ours["logits"].argmax(-1), ref["logits"].argmax(-1))
            print("%s B=%d step=%d S=%d past=%d (max abs err %.2e, argmax %s)" % (
                "PASS" if good and same_argmax else "FAIL", B, step, S, P, worst,
                "same" if same_argmax else "DIFFERS"))
            ok &= good and same_argmax
            past_ort = {n: ref[n.replace("past_key_values", "present")] for n in past_ort}
            past_qcc = {n: ours[n.replace("past_key_values", "present")] for n in past_qcc}
            P += S
    print("ALL PASS" if ok else "SOME FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
