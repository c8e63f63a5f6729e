"""A small Llama-like block in the qcc dialect for qcc-apply-quant-plan tests, and its numpy evaluation.

Usage: apply_plan_mlp.py write OUT.mlir
       apply_plan_mlp.py check MODEL.so WORKDIR TOL      (runs qcc-run on MODEL.so, compares with numpy)

  h = rms_norm(x, g); q = h Wq^T; k = h Wk^T (q, k share h: one smoothing group, folded into g)
  p = silu(h Wgate^T) * (h Wup^T); d = p Wdown^T    (down's factors fold into up's rows)
  o = relu(q) Wo^T                                   (relu feeds o: an explicit qcc.mul)
  y = d + o + k Wk2^T
Random weights (seed 3), a few input channels of x are large (outliers)."""
import os
import subprocess
import sys

import numpy as np

K, NQ, NK, F = 32, 16, 8, 48


def weights():
    rng = np.random.default_rng(3)
    w = {
        "g": (1.0 + 0.1 * rng.standard_normal(K)).astype(np.float32),
        "q": (0.2 * rng.standard_normal((NQ, K))).astype(np.float32),
        "k": (0.2 * rng.standard_normal((NK, K))).astype(np.float32),
        "gate": (0.2 * rng.standard_normal((F, K))).astype(np.float32),
        "up": (0.2 * rng.standard_normal((F, K))).astype(np.float32),
        "down": (0.2 * rng.standard_normal((K, F))).astype(np.float32),
        "o": (0.2 * rng.standard_normal((K, NQ))).astype(np.float32),
        "k2": (0.2 * rng.standard_normal((K, NK))).astype(np.float32),
    }
    return w


def lit(a):
    if a.ndim == 1:
        return "[" + ", ".join("%.9e" % v for v in a) + "]"
    return "[" + ", ".join(lit(r) for r in a) + "]"


def write(path):
    w = weights()
    t = lambda *s: "tensor<" + "x".join(str(d) for d in s) + "xf32>"  # noqa: E731
    lines = ["func.func @main(%x: tensor<?x32xf32>) -> tensor<?x32xf32> {"]
    lines.append("  %%g = arith.constant dense<%s> : %s" % (lit(w["g"]), t(K)))
    lines.append("  %%h = qcc.rms_norm %%x, %%g {axis = -1 : i64, epsilon = 1.0e-5 : f32} : "
                 "(tensor<?x32xf32>, %s) -> tensor<?x32xf32>" % t(K))

    def gemm(res, x, name, n, k):
        lines.append("  %%w%s = arith.constant dense<%s> : %s" % (name, lit(w[name]), t(n, k)))
        lines.append('  %%%s = qcc.gemm %%%s, %%w%s {qcc.layer = "%s", trans_b = true} : '
                     "(tensor<?x%dxf32>, %s) -> tensor<?x%dxf32>" % (res, x, name, name, k, t(n, k), n))

    gemm("q", "h", "q", NQ, K)
    gemm("k", "h", "k", NK, K)
    gemm("gate", "h", "gate", F, K)
    gemm("up", "h", "up", F, K)
    lines.append("  %%a = qcc.silu %%gate : tensor<?x%dxf32>" % F)
    lines.append("  %%p = qcc.mul %%a, %%up : (tensor<?x%dxf32>, tensor<?x%dxf32>) -> tensor<?x%dxf32>" % (F, F, F))
    gemm("down", "p", "down", K, F)
    lines.append("  %%r = qcc.relu %%q : tensor<?x%dxf32>" % NQ)
    gemm("o", "r", "o", K, NQ)
    gemm("k2", "k", "k2", K, NK)
    lines.append("  %s1 = qcc.add %down, %o : (tensor<?x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>")
    lines.append("  %y = qcc.add %s1, %k2 : (tensor<?x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>")
    lines.append("  return %y : tensor<?x32xf32>")
    lines.append("}")
    open(path, "w").write("\n".join(lines) + "\n")


def inputs():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((6, K)).astype(np.float32)
    x[:, [3, 17]] *= 25.0
    return x


def reference(x):
    w = weights()
    x = x.astype(np.float64)
    h = x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-5) * w["g"]
    q, k = h @ w["q"].T, h @ w["k"].T
    gate, up = h @ w["gate"].T, h @ w["up"].T
    p = gate / (1 + np.exp(-gate)) * up
    return p @ w["down"].T + np.maximum(q, 0) @ w["o"].T + k @ w["k2"].T


def check(so, work, tol):
    os.makedirs(work, exist_ok=True)
    x = inputs()
    np.save(os.path.join(work, "x.npy"), x)
    subprocess.run(["qcc-run", so, "--input", "input_0=" + os.path.join(work, "x.npy"), "--output-dir", work],
                   check=True, stdout=subprocess.DEVNULL)
    outs = [f for f in os.listdir(work) if f.endswith(".npy") and f != "x.npy"]
    got = np.load(os.path.join(work, outs[0]))
    want = reference(x)
    err = float(np.abs(got - want).max() / np.abs(want).max())
    print("%s %s: rel err %.2e (tol %g)" % ("PASS" if err < tol else "FAIL", os.path.basename(so), err, tol))
    sys.exit(0 if err < tol else 1)


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        check(sys.argv[2], sys.argv[3], float(sys.argv[4]))
