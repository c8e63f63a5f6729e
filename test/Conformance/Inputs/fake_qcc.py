#!/usr/bin/env python3
"""Stand-in for `qcc` in the runner's self-test: `fake_qcc.py model.onnx -o model.so [flags]`.

It "compiles" by copying the ONNX file to the output path, so that fake_qcc_run.py can execute it with
onnxruntime. Environment knobs reproduce the compiler behaviours the runner must classify:
  QCC_FAKE_UNSUPPORTED=Op[,Op]  print the importer's "unsupported operator" diagnostic and exit 1;
  QCC_FAKE_CRASH=Op[,Op]        abort (SIGABRT) like a compiler crash;
  QCC_FAKE_HANG=Op[,Op]         sleep forever (exercises the per-test timeout).
"""
import os
import shutil
import sys
import time

import onnx


def main() -> int:
    args = sys.argv[1:]
    if "-o" not in args or args.index("-o") + 1 >= len(args):
        print("fake_qcc: error: missing -o", file=sys.stderr)
        return 2
    out = args[args.index("-o") + 1]
    model_path = args[0]
    model = onnx.load(model_path)
    ops = [n.op_type for n in model.graph.node]

    def knob(name):
        return [o for o in os.environ.get(name, "").split(",") if o]

    bad = [o for o in ops if o in knob("QCC_FAKE_UNSUPPORTED")]
    if bad:
        for n in model.graph.node:
            if n.op_type in bad:
                print(f"{model_path}: error: unsupported operator '{n.op_type}' (domain '{n.domain}', opset "
                      f"{model.opset_import[0].version}) in node '{n.name}'", file=sys.stderr)
        return 1
    if any(o in knob("QCC_FAKE_CRASH") for o in ops):
        os.abort()
    if any(o in knob("QCC_FAKE_HANG") for o in ops):
        time.sleep(3600)
    shutil.copyfile(model_path, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
