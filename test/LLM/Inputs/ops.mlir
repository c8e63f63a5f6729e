// qcc.rotary_embedding (both pair layouts) and qcc.cached_attention with dynamic B, S, P; run by check_ops.py.
module {
  func.func @main(%x: tensor<?x?x4x8xf32>, %pos: tensor<?x?xi64>, %q: tensor<?x?x4x8xf32>,
                  %k: tensor<?x?x2x8xf32>, %v: tensor<?x?x2x8xf32>, %pk: tensor<?x?x2x8xf32>,
                  %pv: tensor<?x?x2x8xf32>)
      -> (tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>)
      attributes {qcc.input_names = ["x", "positions", "q", "k", "v", "past_key", "past_value"],
                  qcc.output_names = ["rope_halves", "rope_pairs", "attention"]} {
    %0 = qcc.rotary_embedding %x, %pos {theta = 10000.0 : f32}
       : (tensor<?x?x4x8xf32>, tensor<?x?xi64>) -> tensor<?x?x4x8xf32>
    %1 = qcc.rotary_embedding %x, %pos {theta = 500.0 : f32, interleaved = true}
       : (tensor<?x?x4x8xf32>, tensor<?x?xi64>) -> tensor<?x?x4x8xf32>
    %2 = qcc.cached_attention %q, %k, %v, %pk, %pv, %pos
       : (tensor<?x?x4x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>, tensor<?x?x2x8xf32>,
          tensor<?x?x2x8xf32>, tensor<?x?xi64>) -> tensor<?x?x4x8xf32>
    return %0, %1, %2 : tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>, tensor<?x?x4x8xf32>
  }
}
