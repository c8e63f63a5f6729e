"""Writes one malformed safetensors file: make_bad_safetensors.py KIND OUT (kinds listed in CASES)."""
import json, struct, sys


def st(header, data=b"", length=None):
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def one(dtype="F32", shape=(2,), offsets=(0, 8)):
    return {"w": {"dtype": dtype, "shape": list(shape), "data_offsets": list(offsets)}}


CASES = {
    "ok": lambda: st(one(), b"\0" * 8),
    "len-big": lambda: st(one(), b"\0" * 8, length=10000),
    "len-absurd": lambda: st(one(), b"\0" * 8, length=1 << 60),
    "json": lambda: st(b"{\"w\": [1, 2", b"\0" * 8),
    "range": lambda: st(one(offsets=(0, 800)), b"\0" * 8),
    "reversed": lambda: st(one(offsets=(8, 0)), b"\0" * 8),
    "size": lambda: st(one(shape=(3,)), b"\0" * 8),
    "overlap": lambda: st({**one(), "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}, b"\0" * 12),
    "dtype": lambda: st(one(dtype="F4"), b"\0" * 8),
}

if __name__ == "__main__":
    with open(sys.argv[2], "wb") as f:
        f.write(CASES[sys.argv[1]]())
