// The Gated DeltaNet block (Yang, Kautz, Hatamizadeh 2024) of hybrid decoders (Qwen3.5,
// Qwen3-Next): linear attention whose memory is a fixed-size state per sequence instead of K/V.
//   qkv = conv_silu(W_qkv x);  q, k = l2norm(heads);  beta = sigmoid(W_b x);
//   g = a * softplus(W_a x + dt_bias);  S <- e^g S + beta (v - S k) k^T;  o = S q / sqrt(d_k)
//   out = W_out (rms_norm(o) * silu(W_z x))
// Each layer's state (convolution tail and S per value head) lives in the KV cache's
// RecurrentStates; the model hands each sequence's share to the block (RecurrentSeq).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "backend/backend.h"

namespace minke {

class GgufFile;
class WeightBinder;

struct DeltaNetWeights {
  WeightView qkv;    // attn_qkv [conv channels, n_embd]: queries | keys | values
  WeightView z;      // attn_gate [n_v * d_v, n_embd]: the output gate
  WeightView beta;   // ssm_beta [n_v, n_embd]
  WeightView alpha;  // ssm_alpha [n_v, n_embd]
  // Qwen3-Next fuses them (ssm_ba, per key head its value heads' betas then alphas):
  // beta and alpha then view these rows, de-interleaved at load ([2][n_v][n_embd], f32).
  std::vector<float> beta_alpha;
  std::vector<float> conv_kernel;  // ssm_conv1d [conv channels][conv width]
  WeightView dt_bias;              // ssm_dt.bias [n_v]
  WeightView a;                    // ssm_a [n_v]: -exp(A_log)
  WeightView norm;                 // ssm_norm [d_v], shared by the heads
  WeightView out;                  // ssm_out [n_embd, n_v * d_v]
};

// The shape from <arch>.ssm.{state_size, group_count, time_step_rank, conv_kernel,
// inner_size} (llama.cpp's names: d_k = d_v = state_size, group_count key heads,
// time_step_rank value heads); throws minke::Error on an inconsistent one.
DeltaNetParams read_delta_net_shape(const GgufFile& file, float eps, bool k_head_mod);

// Binds blk.<il>'s DeltaNet tensors (shapes from p): ssm_beta and ssm_alpha, or the fused
// ssm_ba.
DeltaNetWeights bind_delta_net(const WeightBinder& w, int32_t il, int32_t n_embd,
                               const DeltaNetParams& p);

// x: [M, n_embd] (already normed) -> [M, n_embd]; updates each sequence's state.
Tensor delta_net_block(Backend& be, const Tensor& x, const DeltaNetWeights& w, DeltaNetParams p,
                       std::span<const RecurrentSeq> seqs, float eps);

}  // namespace minke
