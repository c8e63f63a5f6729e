"""Builds a Contract-5 toy causal LM as ONNX for qcc to compile, and its metadata `attr` records.

  make_onnx_toy.py OUT.onnx                 writes the model
  make_onnx_toy.py --check-ppl JSON TOKENIZER CTX STRIDE FILE
      compares qcc-perplexity --json output with ppl_reference() (numpy; relative tolerance 1e-5)
  make_onnx_toy.py --greedy TOKENIZER MAX_TOKENS PROMPT
      prints "ids 0: ..." with the greedy ids of the bigram toy (like qcc-run --print-ids)
  make_onnx_toy.py --attrs LLVM_MLIR TOKENIZER
      adds the Contract-5 `attr` records (qcc.kind=causal-lm, ...) to the metadata global of a
      `qcc -emit=llvm-mlir` file in place (until qcc writes them from qcc.model_attrs itself)

The model (L = 1, Hkv = 1, D = 2, V = 259, a bigram LM):
  logits[b, s, :]              = E[input_ids[b, s], :]
  present_key[s, 0, b, 0, :]   = K[input_ids[b, s], :] + positions[b, s]
  present_value[s, 0, b, 0, :] = K[input_ids[b, s], :] - positions[b, s]
with E [259, 259] and K [259, 2] drawn from numpy's default_rng(0); past_key/value are inputs of
the signature that this toy does not read. ppl_reference() computes the perplexity of the same
definition as qcc-perplexity with numpy.
"""
import json
import re
import sys

import numpy as np

V = 259
CTX = 128


def weights():
    rng = np.random.default_rng(0)
    return (rng.normal(0, 2, (V, V)).astype(np.float32), rng.normal(0, 1, (V, 2)).astype(np.float32))


def build(path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    E, K = weights()
    f32, i64 = TensorProto.FLOAT, TensorProto.INT64
    inputs = [helper.make_tensor_value_info("input_ids", i64, ["batch", "seq"]),
              helper.make_tensor_value_info("positions", i64, ["batch", "seq"]),
              helper.make_tensor_value_info("past_key", f32, ["past", 1, "batch", 1, 2]),
              helper.make_tensor_value_info("past_value", f32, ["past", 1, "batch", 1, 2])]
    outputs = [helper.make_tensor_value_info("logits", f32, ["batch", "seq", V]),
               helper.make_tensor_value_info("present_key", f32, ["seq", 1, "batch", 1, 2]),
               helper.make_tensor_value_info("present_value", f32, ["seq", 1, "batch", 1, 2])]
    # Gathers from [V, 1, 1, 2] / [ctx, 1, 1, 2] tables give [B, S, 1, 1, 2] without reshaping
    # dynamic shapes; Transpose makes them [S, 1, B, 1, 2].
    ptab = np.repeat(np.arange(CTX, dtype=np.float32)[:, None], 2, 1).reshape(CTX, 1, 1, 2)
    nodes = [
        helper.make_node("Gather", ["E", "input_ids"], ["logits"], axis=0),
        helper.make_node("Gather", ["K", "input_ids"], ["k"], axis=0),
        helper.make_node("Gather", ["P", "positions"], ["p"], axis=0),
        helper.make_node("Add", ["k", "p"], ["kp"]),
        helper.make_node("Sub", ["k", "p"], ["vp"]),
        helper.make_node("Transpose", ["kp"], ["present_key"], perm=[1, 2, 0, 3, 4]),
        helper.make_node("Transpose", ["vp"], ["present_value"], perm=[1, 2, 0, 3, 4]),
    ]
    init = [numpy_helper.from_array(E, "E"), numpy_helper.from_array(K.reshape(V, 1, 1, 2), "K"),
            numpy_helper.from_array(ptab, "P")]
    graph = helper.make_graph(nodes, "toy_causal_lm", inputs, outputs, init)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)


def escape(s):
    ok = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:/+,-")
    return "".join(c if c in ok else "%%%02X" % b for c, b in ((chr(b), b) for b in s.encode()))


def add_attrs(path, tokenizer):
    attrs = {"qcc.kind": "causal-lm", "qcc.arch": "onnx-toy", "qcc.num_layers": "1",
             "qcc.num_kv_heads": "1", "qcc.head_dim": "2", "qcc.vocab_size": str(V),
             "qcc.context_length": str(CTX), "qcc.eos_id": "256", "qcc.tokenizer": tokenizer}
    text = open(path).read()
    # The string's type is implied (or given as !llvm.array<N x i8>, then updated).
    m = re.search(r'llvm\.mlir\.global external constant @qcc_model_metadata_v1\("(.*?)"\)'
                  r'(\s*\{[^}]*\})?(\s*:\s*!llvm\.array<(\d+) x i8>)?', text)
    if not m:
        sys.exit("no qcc_model_metadata_v1 global in " + path)
    body = m.group(1)
    records = "".join("attr %s %s\\0A" % (escape(k), escape(v)) for k, v in attrs.items())
    assert body.endswith("end\\0A\\00")
    new = m.group(0).replace(body, body[:-len("end\\0A\\00")] + records + "end\\0A\\00")
    if m.group(4):
        size = int(m.group(4)) + len(records.replace("\\0A", "\n"))
        new = new.replace("!llvm.array<%s x i8>" % m.group(4), "!llvm.array<%d x i8>" % size)
    open(path, "w").write(text.replace(m.group(0), new))


def ppl_reference(ids, ctx, stride):
    """Sliding-window perplexity of the bigram toy (context does not matter, windows do)."""
    E, _ = weights()
    logp = E.astype(np.float64) - np.log(np.exp(E.astype(np.float64)).sum(1, keepdims=True))
    nll, prev_end = [], 0
    for begin in range(0, len(ids), stride):
        end = min(begin + ctx, len(ids))
        for t in range(max(prev_end, begin + 1), end):
            nll.append(-logp[ids[t - 1], ids[t]])
        prev_end = end
        if end == len(ids):
            break
    return float(np.mean(nll)), len(nll)


if __name__ == "__main__":
    if sys.argv[1] == "--attrs":
        add_attrs(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "--greedy":
        from tokenizers import Tokenizer
        E, _ = weights()
        ids = Tokenizer.from_file(sys.argv[2]).encode(sys.argv[4]).ids
        out = []
        for _ in range(int(sys.argv[3])):
            out.append(int(np.argmax(E[(out or ids)[-1]])))
            if out[-1] == 256:
                break
        print("ids 0: " + " ".join(map(str, out)))
    elif sys.argv[1] == "--check-ppl":
        # --check-ppl JSON TOKENIZER CTX STRIDE FILE
        from tokenizers import Tokenizer
        got = json.load(open(sys.argv[2]))
        ids = Tokenizer.from_file(sys.argv[3]).encode(open(sys.argv[6]).read()).ids
        mean, n = ppl_reference(ids, int(sys.argv[4]), int(sys.argv[5]))
        ok = n == got["scored_tokens"] and abs(got["mean_nll"] - mean) <= 1e-5 * mean
        print("%s qcc mean NLL %.7f over %d tokens, numpy %.7f over %d" % (
            "PASS" if ok else "FAIL", got["mean_nll"], got["scored_tokens"], mean, n))
    else:
        build(sys.argv[1])
