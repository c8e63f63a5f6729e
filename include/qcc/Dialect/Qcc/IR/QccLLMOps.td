//===- QccLLMOps.td - rotary embedding and KV-cached attention -*- tablegen -*-===//
//
// The two ops a decoder-only transformer needs beyond matmuls and norms:
// rotary position embedding and masked causal grouped-query attention over a
// KV cache (Contract 5 in docs/Design.md, docs/LLM.md).
//
//===----------------------------------------------------------------------===//
#ifndef QCC_LLM_OPS_TD
#define QCC_LLM_OPS_TD

include "qcc/Dialect/Qcc/IR/QccDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/CommonTypeConstraints.td"

def Qcc_RotaryEmbeddingOp : Qcc_Op<"rotary_embedding", [Pure]> {
  let summary = "rotary position embedding (RoPE) of queries or keys";
  let description = [{
    `x` is `[B, S, H, D]` (D even), `positions` is `[B, S]` i64, the absolute
    position `p` of each token. Each head vector is rotated by angles
    `p * theta^(-2i/D)`, i in [0, D/2):

    * `interleaved = false` (Hugging Face Llama, "NEOX" rope): the pair is
      `(x[i], x[i + D/2])`;
    * `interleaved = true` (GGUF / llama.cpp "NORM" rope): the pair is
      `(x[2i], x[2i + 1])`.

    For a pair `(a, b)` and angle `t`: `a' = a cos t - b sin t`,
    `b' = a sin t + b cos t`. (llama.cpp's converter permutes the rows of
    the Q/K weights so that interleaved rope on GGUF weights equals
    half-split rope on HF weights.)

    Example:

    ```mlir
    %q = qcc.rotary_embedding %x, %pos {theta = 10000.0 : f32, interleaved = false}
       : (tensor<?x?x9x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, TensorOf<[I64]>:$positions,
                   F32Attr:$theta, DefaultValuedAttr<BoolAttr, "false">:$interleaved);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$input `,` $positions attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

def Qcc_CachedAttentionOp : Qcc_Op<"cached_attention", [Pure]> {
  let summary = "masked causal grouped-query attention over new tokens and a KV cache";
  let description = [{
    Operands (one layer):

    | operand | shape | meaning |
    |---|---|---|
    | `query` | `[B, S, H, D]` | queries of the S new tokens (after rope) |
    | `key`, `value` | `[B, S, Hkv, D]` | keys (after rope) / values of the new tokens |
    | `past_key`, `past_value` | `[P, B, Hkv, D]` | cache slots (position-major) |
    | `positions` | `[B, S]` i64 | absolute positions; row b is `p_b, p_b+1, ...` |

    `H` is a multiple of `Hkv`; query head `h` uses KV head `h / (H / Hkv)`.
    New token `i` of row `b` attends to cache slots `j < positions[b, 0]`
    and to new tokens `i' <= i`; the other slots are masked out:

    `out[b,i,h] = sum_j softmax_j(q[b,i,h] . k_j * scale) v_j`, with
    `scale = 1/sqrt(D)` unless given. Result `[B, S, H, D]`.

    Example:

    ```mlir
    %o = qcc.cached_attention %q, %k, %v, %pk, %pv, %pos
       : (tensor<?x?x9x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>,
          tensor<?x?x3x64xf32>, tensor<?x?x3x64xf32>, tensor<?x?xi64>) -> tensor<?x?x9x64xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$query, AnyRankedTensor:$key, AnyRankedTensor:$value,
                   AnyRankedTensor:$past_key, AnyRankedTensor:$past_value,
                   TensorOf<[I64]>:$positions, OptionalAttr<F32Attr>:$scale);
  let results = (outs AnyRankedTensor:$output);
  let assemblyFormat = "$query `,` $key `,` $value `,` $past_key `,` $past_value `,` $positions "
                       "attr-dict `:` functional-type(operands, results)";
  let hasVerifier = 1;
}

#endif // QCC_LLM_OPS_TD
