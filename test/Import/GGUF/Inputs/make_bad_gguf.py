"""Writes one malformed GGUF file: make_bad_gguf.py KIND OUT (kinds listed in CASES)."""
import struct, sys


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def header(version=3, n_tensors=1, n_kv=1):
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


KV = s("general.architecture") + struct.pack("<I", 8) + s("llama")


def tensor_info(name="w", dims=(32,), ttype=0, offset=0):
    return s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims) + \
        struct.pack("<IQ", ttype, offset)


def good(ttype=0, dims=(32,), offset=0, nbytes=128):
    body = header() + KV + tensor_info(dims=dims, ttype=ttype, offset=offset)
    body += b"\0" * (-len(body) % 32)
    return body + b"\1" * nbytes


CASES = {
    "ok": lambda: good(),
    "magic": lambda: b"GGUX" + good()[4:],
    "version": lambda: header(version=7) + KV,
    "trunc-header": lambda: b"GGUF" + struct.pack("<I", 3) + b"\1\0",
    "trunc-meta": lambda: header() + KV[:-3],
    "trunc-data": lambda: good()[:-10],
    "type": lambda: good(ttype=99),
    "range": lambda: good(offset=4096),
    "misaligned": lambda: good(offset=4),
    "count-tensors": lambda: header(n_tensors=1 << 60) + KV,
    "count-kv": lambda: header(n_kv=1 << 60) + KV,
    "count-array": lambda: header(n_tensors=0) + s("a") + struct.pack("<IIQ", 9, 4, 1 << 60),
    "count-string": lambda: header(n_tensors=0) + s("a") + struct.pack("<IQ", 8, 1 << 62),
    "value-type": lambda: header(n_tensors=0) + s("a") + struct.pack("<I", 42),
    "block": lambda: good(ttype=8, dims=(33,), nbytes=64),
}

if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(CASES[sys.argv[1]]())
