// The Gated DeltaNet block (see delta_net.h).
#include "models/blocks/delta_net.h"

#include <algorithm>
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

namespace {

// ssm_ba [2 n_v, n_embd] holds, per key head g, the betas of its n_v / n_k value heads
// and then their alphas; returns [betas of heads 0..n_v-1][alphas of heads 0..n_v-1].
std::vector<float> split_beta_alpha(const WeightBinder& w, const std::string& name, int32_t n_embd,
                                    const DeltaNetParams& p) {
  const std::vector<float> fused = w.dequantized(name, int64_t{2} * p.n_v_heads, n_embd);
  const int32_t per_group = p.n_v_heads / p.n_k_heads;
  std::vector<float> out(fused.size());
  const auto copy_row = [&](int64_t from, int64_t to) {
    std::copy_n(fused.begin() + from * n_embd, n_embd, out.begin() + to * n_embd);
  };
  for (int32_t h = 0; h < p.n_v_heads; ++h) {
    const int32_t g = h / per_group, j = h % per_group;
    const int64_t beta = int64_t{g} * 2 * per_group + j;
    copy_row(beta, h);
    copy_row(beta + per_group, p.n_v_heads + h);
  }
  return out;
}

}  // namespace

DeltaNetWeights bind_delta_net(const WeightBinder& w, int32_t il, int32_t n_embd,
                               const DeltaNetParams& p) {
  const auto name = [il](const char* suffix) { return layer_tensor(il, suffix); };
  const int64_t value_dim = int64_t{p.n_v_heads} * p.d_v;
  if (!w.has(name("attn_qkv.weight")) && w.has(name("ssm_in.weight"))) {
    throw Error(w.file().path() + ": " + name("ssm_in.weight") +
                " is the older fused q/k/v/z layout, which Minke does not read: convert the "
                "model again with a current converter (attn_qkv and attn_gate)");
  }
  DeltaNetWeights d;
  if (w.has(name("ssm_ba.weight"))) {
    d.beta_alpha = split_beta_alpha(w, name("ssm_ba.weight"), n_embd, p);
    d.beta = w.f32_matrix(d.beta_alpha.data(), p.n_v_heads, n_embd);
    d.alpha =
        w.f32_matrix(d.beta_alpha.data() + int64_t{p.n_v_heads} * n_embd, p.n_v_heads, n_embd);
  } else {
    d.beta = w.matrix(name("ssm_beta.weight"), p.n_v_heads, n_embd);
    d.alpha = w.matrix(name("ssm_alpha.weight"), p.n_v_heads, n_embd);
  }
  d.qkv = w.matrix(name("attn_qkv.weight"), p.conv_channels(), n_embd);
  d.z = w.matrix(name("attn_gate.weight"), value_dim, n_embd);
  d.conv_kernel = w.dequantized(name("ssm_conv1d.weight"), p.conv_channels(), p.conv_width);
  d.dt_bias = w.vector(name("ssm_dt.bias"), p.n_v_heads);
  d.a = w.vector(name("ssm_a"), p.n_v_heads);
  d.norm = w.vector(name("ssm_norm.weight"), p.d_v);
  d.out = w.matrix(name("ssm_out.weight"), n_embd, value_dim);
  return d;
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
