# Writes checkpoint files, a matching .mlir using qcc.external_weight, an input
# and the numpy reference outputs for the external-weight E2E tests:
#   make_weights.py safetensors OUTDIR   (F32 / F16 / BF16 safetensors + a raw side file)
#   make_weights.py gguf OUTDIR          (Q8_0 / Q4_1 / F32 GGUF tensors, via the gguf package)
#   make_weights.py chunks OUTDIR        (tensors larger than one streaming chunk: GGUF Q4_1,
#                                         safetensors F16 and F32; per-row sums as outputs)
#   make_weights.py big OUTDIR MB        (an MLP with ~MB megabytes of F32 safetensors, no reference)
import json
import struct
import sys

import numpy as np


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, numpy array already in that dtype's bytes)."""
    header, blobs, offset = {}, [], 0
    for name, (dtype, arr) in tensors.items():
        raw = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def bf16(a):
    """Rounds f32 to bf16 (to nearest even); returns (uint16 bits, f32 values)."""
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint16)
    return rounded, (rounded.astype(np.uint32) << 16).view(np.float32)


def mlir_weight(sym, src, fmt, tensor, shape, extra=""):
    t = "x".join(map(str, shape))
    return (f'    %{sym} = qcc.external_weight @{sym} {{source = "{src}", format = "{fmt}", '
            f'tensor = "{tensor}"{extra}}} : tensor<{t}xf32>\n')


def safetensors_case(out, rng):
    w1 = (rng.standard_normal((16, 32)) * 0.5).astype(np.float32)
    w2 = (rng.standard_normal((32, 8)) * 0.5).astype(np.float16)
    b2_bits, b2 = bf16(rng.standard_normal(8).astype(np.float32))
    b1 = rng.standard_normal(32).astype(np.float32)
    write_safetensors(f"{out}/model.safetensors", {
        "fc1.weight": ("F32", w1), "fc2.weight": ("F16", w2), "fc2.bias": ("BF16", b2_bits)})
    # The raw side file: 64 bytes of padding, then b1 (like ONNX external data).
    with open(f"{out}/side.bin", "wb") as f:
        f.write(b"\xab" * 64 + b1.tobytes())
    st = f"{out}/model.safetensors"
    text = ('module attributes {qcc.source = "external-weights"} {\n'
            '  func.func @main(%x: tensor<2x16xf32>) -> (tensor<2x8xf32>, tensor<16x32xf32>)\n'
            '      attributes {qcc.input_names = ["x"], qcc.output_names = ["y", "w1"]} {\n'
            + mlir_weight("w1", st, "safetensors", "fc1.weight", [16, 32])
            + mlir_weight("b1", f"{out}/side.bin", "raw", "b1", [32], ", offset = 64 : i64")
            + mlir_weight("w2", st, "safetensors", "fc2.weight", [32, 8])
            + mlir_weight("b2", st, "safetensors", "fc2.bias", [8]) +
            '    %h = qcc.matmul %x, %w1 : (tensor<2x16xf32>, tensor<16x32xf32>) -> tensor<2x32xf32>\n'
            '    %hb = qcc.add %h, %b1 : (tensor<2x32xf32>, tensor<32xf32>) -> tensor<2x32xf32>\n'
            '    %r = qcc.relu %hb : tensor<2x32xf32>\n'
            '    %m = qcc.matmul %r, %w2 : (tensor<2x32xf32>, tensor<32x8xf32>) -> tensor<2x8xf32>\n'
            '    %y = qcc.add %m, %b2 : (tensor<2x8xf32>, tensor<8xf32>) -> tensor<2x8xf32>\n'
            # Returning a weight as is: Contract 2 says the result is a fresh copy.
            '    return %y, %w1 : tensor<2x8xf32>, tensor<16x32xf32>\n'
            '  }\n}\n')
    open(f"{out}/model.mlir", "w").write(text)
    x = rng.standard_normal((2, 16)).astype(np.float32)
    y = np.maximum(x @ w1 + b1, 0) @ w2.astype(np.float32) + b2
    np.save(f"{out}/x.npy", x)
    np.save(f"{out}/ref.y.npy", y.astype(np.float32))
    np.save(f"{out}/ref.w1.npy", w1)


def gguf_case(out, rng):
    import gguf
    from gguf.quants import dequantize, quantize
    q = gguf.GGMLQuantizationType
    wa = (rng.standard_normal((8, 64)) * 0.5).astype(np.float32)   # ggml ne = [64, 8]
    wb = (rng.standard_normal((64, 32)) * 0.5).astype(np.float32)  # ggml ne = [32, 64]
    bias = rng.standard_normal(32).astype(np.float32)
    writer = gguf.GGUFWriter(f"{out}/model.gguf", "llama")
    qa, qb = quantize(wa, q.Q8_0), quantize(wb, q.Q4_1)
    writer.add_tensor("wa", qa, raw_shape=qa.shape, raw_dtype=q.Q8_0)
    writer.add_tensor("wb", qb, raw_shape=qb.shape, raw_dtype=q.Q4_1)
    writer.add_tensor("bias", bias)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    g = f"{out}/model.gguf"
    text = ('module {\n'
            '  func.func @main(%x: tensor<3x8xf32>) -> tensor<3x32xf32>\n'
            '      attributes {qcc.input_names = ["x"], qcc.output_names = ["y"]} {\n'
            + mlir_weight("wa", g, "gguf", "wa", [8, 64])
            + mlir_weight("wb", g, "gguf", "wb", [64, 32])
            + mlir_weight("bias", g, "gguf", "bias", [32]) +
            '    %h = qcc.matmul %x, %wa : (tensor<3x8xf32>, tensor<8x64xf32>) -> tensor<3x64xf32>\n'
            '    %m = qcc.matmul %h, %wb : (tensor<3x64xf32>, tensor<64x32xf32>) -> tensor<3x32xf32>\n'
            '    %y = qcc.add %m, %bias : (tensor<3x32xf32>, tensor<32xf32>) -> tensor<3x32xf32>\n'
            '    return %y : tensor<3x32xf32>\n'
            '  }\n}\n')
    open(f"{out}/model.mlir", "w").write(text)
    # Reference: the gguf package's own dequantizer, then numpy.
    da = dequantize(qa, q.Q8_0).reshape(8, 64)
    db = dequantize(qb, q.Q4_1).reshape(64, 32)
    x = rng.standard_normal((3, 8)).astype(np.float32)
    np.save(f"{out}/x.npy", x)
    np.save(f"{out}/ref.y.npy", (x @ da @ db + bias).astype(np.float32))


def chunks_case(out, rng):
    # The streaming chunk is 8 MiB of stored bytes or 1 Mi elements when
    # converting: each tensor spans several chunks, the last one partial.
    import gguf
    from gguf.quants import dequantize, quantize
    q = gguf.GGMLQuantizationType
    g = rng.uniform(0, 1, (1536, 1024)).astype(np.float32)
    qg = quantize(g, q.Q4_1)
    writer = gguf.GGUFWriter(f"{out}/big.gguf", "llama")
    writer.add_tensor("g", qg, raw_shape=qg.shape, raw_dtype=q.Q4_1)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    h = rng.uniform(0, 1, (2304, 1024)).astype(np.float16)
    f = rng.uniform(0, 1, (2304, 1024)).astype(np.float32)
    write_safetensors(f"{out}/big.safetensors", {"h": ("F16", h), "f": ("F32", f)})
    weights = [("g", f"{out}/big.gguf", "gguf", [1536, 1024]),
               ("h", f"{out}/big.safetensors", "safetensors", [2304, 1024]),
               ("f", f"{out}/big.safetensors", "safetensors", [2304, 1024])]
    body, results, types = "", [], []
    for name, src, fmt, (r, c) in weights:
        body += mlir_weight(name, src, fmt, name, [r, c])
        body += (f"    %s_{name} = qcc.reduce_sum %{name} {{axes = array<i64: 1>, keepdims = false}}"
                 f" : (tensor<{r}x{c}xf32>) -> tensor<{r}xf32>\n")
        results.append(f"%s_{name}")
        types.append(f"tensor<{r}xf32>")
    text = ('module {\n  func.func @main() -> (' + ", ".join(types) + ')\n'
            '      attributes {qcc.output_names = ["g", "h", "f"]} {\n' + body +
            f'    return {", ".join(results)} : {", ".join(types)}\n  }}\n}}\n')
    open(f"{out}/chunks.mlir", "w").write(text)
    dg = dequantize(qg, q.Q4_1).reshape(1536, 1024)
    for name, w in (("g", dg), ("h", h), ("f", f)):
        np.save(f"{out}/ref.{name}.npy", w.astype(np.float64).sum(axis=1).astype(np.float32))


def big_case(out, megabytes):
    # x[4,D] -> L layers of (matmul DxD, relu); D = 1024: 4 MiB per layer.
    d = 1024
    layers = max(1, int(megabytes * 2**20 // (4 * d * d)))
    rng = np.random.default_rng(1)
    tensors = {f"l{i}.weight": ("F32", (rng.standard_normal((d, d)) / 32).astype(np.float32))
               for i in range(layers)}
    write_safetensors(f"{out}/big.safetensors", tensors)
    st = f"{out}/big.safetensors"
    body, cur = "", "%x"
    for i in range(layers):
        body += mlir_weight(f"w{i}", st, "safetensors", f"l{i}.weight", [d, d])
        body += (f"    %m{i} = qcc.matmul {cur}, %w{i} : (tensor<4x{d}xf32>, tensor<{d}x{d}xf32>)"
                 f" -> tensor<4x{d}xf32>\n"
                 f"    %r{i} = qcc.relu %m{i} : tensor<4x{d}xf32>\n")
        cur = f"%r{i}"
    text = (f'module {{\n  func.func @main(%x: tensor<4x{d}xf32>) -> tensor<4x{d}xf32>\n'
            '      attributes {qcc.input_names = ["x"], qcc.output_names = ["y"]} {\n'
            + body + f"    return {cur} : tensor<4x{d}xf32>\n  }}\n}}\n")
    open(f"{out}/big.mlir", "w").write(text)
    print(f"{layers} layers, {layers * 4 * d * d / 2**20:.0f} MiB")


if __name__ == "__main__":
    kind, outdir = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(0)
    if kind == "safetensors":
        safetensors_case(outdir, rng)
    elif kind == "gguf":
        gguf_case(outdir, rng)
    elif kind == "chunks":
        chunks_case(outdir, rng)
    elif kind == "big":
        big_case(outdir, float(sys.argv[3]))
    else:
        sys.exit(f"unknown case {kind}")
