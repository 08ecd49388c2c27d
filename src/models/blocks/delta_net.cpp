// The Gated DeltaNet block (see delta_net.h).
#include "models/blocks/delta_net.h"

#include <string>

#include "gguf/gguf_file.h"
#include "minke/error.h"
#include "models/blocks/hparams.h"
#include "models/blocks/weights.h"

namespace minke {

DeltaNetParams read_delta_net_shape(const GgufFile& file, float eps, bool k_head_mod) {
  const auto count = [&](const char* key) {
    const int32_t n = arch_count(file, key, 0);
    if (n <= 0) throw Error(file.path() + ": " + arch_key(file, key) + " is missing or zero");
    return n;
  };
  DeltaNetParams p{.n_k_heads = count("ssm.group_count"),
                   .n_v_heads = count("ssm.time_step_rank"),
                   .d_k = count("ssm.state_size"),
                   .d_v = count("ssm.state_size"),
                   .conv_width = count("ssm.conv_kernel"),
                   .k_head_mod = k_head_mod,
                   .eps = eps};
  if (p.d_k % kDeltaNetLanes != 0) {
    throw Error(file.path() + ": ssm.state_size " + std::to_string(p.d_k) +
                " is not a multiple of " + std::to_string(kDeltaNetLanes) +
                ", which Minke's DeltaNet kernels need");
  }
  const int32_t inner = count("ssm.inner_size");
  if (p.n_v_heads % p.n_k_heads != 0 || inner != p.n_v_heads * p.d_v) {
    throw Error(file.path() + ": ssm.time_step_rank " + std::to_string(p.n_v_heads) +
                " value heads must be a multiple of ssm.group_count " +
                std::to_string(p.n_k_heads) + " key heads, and ssm.inner_size " +
                std::to_string(inner) + " their width times ssm.state_size " +
                std::to_string(p.d_v));
  }
  return p;
}

DeltaNetWeights bind_delta_net(const WeightBinder& w, int32_t il, int32_t n_embd,
                               const DeltaNetParams& p) {
  const auto name = [il](const char* suffix) { return layer_tensor(il, suffix); };
  const int64_t value_dim = int64_t{p.n_v_heads} * p.d_v;
  return {
      .qkv = w.matrix(name("attn_qkv.weight"), p.conv_channels(), n_embd),
      .z = w.matrix(name("attn_gate.weight"), value_dim, n_embd),
      .beta = w.matrix(name("ssm_beta.weight"), p.n_v_heads, n_embd),
      .alpha = w.matrix(name("ssm_alpha.weight"), p.n_v_heads, n_embd),
      .conv_kernel = w.dequantized(name("ssm_conv1d.weight"), p.conv_channels(), p.conv_width),
      .dt_bias = w.vector(name("ssm_dt.bias"), p.n_v_heads),
      .a = w.vector(name("ssm_a"), p.n_v_heads),
      .norm = w.vector(name("ssm_norm.weight"), p.d_v),
      .out = w.matrix(name("ssm_out.weight"), n_embd, value_dim),
  };
}

Tensor delta_net_block(Backend& be, const Tensor& x, const DeltaNetWeights& w, DeltaNetParams p,
                       std::span<const RecurrentSeq> seqs, float eps) {
  p.conv_kernel = w.conv_kernel.data();
  p.dt_bias = static_cast<const float*>(w.dt_bias.data);
  p.a = static_cast<const float*>(w.a.data);
  const Tensor qkv = be.matmul(x, w.qkv);                    // [M, conv channels]
  const Tensor z = be.matmul(x, w.z);                        // [M, n_v * d_v]
  const Tensor beta = be.matmul(x, w.beta);                  // [M, n_v]
  const Tensor alpha = be.matmul(x, w.alpha);                // [M, n_v]
  const Tensor o = be.delta_net(qkv, beta, alpha, seqs, p);  // [M, n_v * d_v]
  // rms_norm(o) per head (the weight is one head wide), gated by silu(z).
  const Tensor gated = be.silu_mul(z, be.rms_norm(o, w.norm, eps));
  return be.matmul(gated, w.out);  // [M, n_embd]
}

}  // namespace minke
