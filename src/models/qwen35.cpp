// Qwen3.5 (Qwen team 2026): a hybrid decoder. Three of every four layers are Gated DeltaNet
// linear attention (blocks/delta_net.h), whose memory is a fixed-size state per sequence; every
// fourth is full attention with q/k RMS norms, partial NeoX RoPE and an output gate the query
// projection computes with the queries. Pre-norm blocks (the pre-FFN norm is called
// post_attention_norm); the feed-forward a SwiGLU (qwen35) or, in qwen35moe (Qwen3.5-35B-A3B,
// 122B-A10B, 397B-A17B), routed experts (softmax, the chosen renormalised) plus one shared
// expert scaled by sigmoid(x . ffn_gate_inp_shexp). Qwen3-Next (qwen3next, 80B-A3B), the
// family's first, is the MoE model with two differences in its files: a value head h of a
// DeltaNet layer reads key head h / (n_v / n_k) (qwen35 files: h mod n_k, the converter's head
// order; a wrong mapping gives fluent garbage), and beta and alpha come fused per key head
// (ssm_ba). The norm weights are stored as (1 +
// w) by the converter: plain RMSNorm weights here.
#include <algorithm>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/delta_net.h"
#include "models/blocks/ffn.h"
#include "models/blocks/moe.h"

namespace minke {
namespace {

// llama.cpp's default when the file has no attention.recurrent_layers array: layer il is full
// attention when (il + 1) % 4 == 0.
constexpr int32_t kDefaultFullAttentionInterval = 4;

// Which layers are recurrent: the attention.recurrent_layers array, else every layer but each
// full_attention_interval-th.
std::vector<bool> read_recurrent_layers(const GgufFile& file, int32_t n_layer) {
  if (file.find(arch_key(file, "attention.recurrent_layers")) != nullptr) {
    return read_layer_pattern(file, "attention.recurrent_layers", n_layer, 0);
  }
  const int32_t interval =
      arch_count(file, "full_attention_interval", kDefaultFullAttentionInterval);
  if (interval == 0) throw Error(file.path() + ": full_attention_interval is 0");
  return read_layer_pattern(file, "full_attention_interval", n_layer, interval);
}

// Multi-section RoPE (rope.dimension_sections) rotates each pair by the position of its
// section; text tokens have the same position in the first three sections and 0 in the
// fourth, so the text model is NeoX RoPE as long as no rotated pair falls in the fourth section
// (interleaved layout: pair i's section is i mod 3 while i < 3 * its size). Throws otherwise.
void require_text_rope_sections(const GgufFile& file, int32_t n_rot) {
  const GgufValue* v = file.find(arch_key(file, "rope.dimension_sections"));
  if (v == nullptr) return;
  int64_t sec[4] = {0, 0, 0, 0};
  for (uint64_t i = 0; i < std::min<uint64_t>(4, v->array_size()); ++i) {
    sec[i] = v->array_at(i).as_i64();
  }
  const int64_t total = sec[0] + sec[1] + sec[2] + sec[3];
  for (int64_t pair = 0; pair < n_rot / 2 && total > 0; ++pair) {
    const int64_t s = pair % total;
    const bool text = (s % 3 == 0 && s < 3 * sec[0]) || (s % 3 == 1 && s < 3 * sec[1]) ||
                      (s % 3 == 2 && s < 3 * sec[2]);
    if (!text) {
      throw Error(file.path() + ": rope.dimension_sections leaves rotated pair " +
                  std::to_string(pair) + " to the extra section, which Minke does not run");
    }
  }
}

enum class Variant { kQwen35, kQwen35Moe, kQwen3Next };

class Qwen35 final : public DecoderModel {
 public:
  Qwen35(const GgufFile& file, Backend& backend, Variant variant) : DecoderModel(file, backend) {
    require_plain_attention();
    const ModelConfig& c = config();
    const bool moe = variant != Variant::kQwen35;
    if (moe != (c.n_expert > 0)) {
      throw Error(file.path() + ": " + c.arch + (moe ? " without" : " with") + " expert_count");
    }
    if (moe) {  // fixed, as llama.cpp's graphs route (they read no routing keys)
      route_ = {.n_expert = c.n_expert,
                .n_used = c.n_expert_used,
                .gating = Gating::kSoftmax,
                .norm_weights = true};
      hp_.config.expert_routing = describe_routing(route_);
    }
    require_text_rope_sections(file, hp_.rope_n_dims);
    delta_ = read_delta_net_shape(file, hp_.rms_eps,
                                  /*k_head_mod=*/variant != Variant::kQwen3Next);
    const std::vector<bool> recurrent = read_recurrent_layers(file, c.n_layer);
    attn_ = {.n_head = c.n_head,
             .n_head_kv = c.n_head_kv,
             .head_dim = c.head_dim,
             .norm_eps = hp_.rms_eps,
             .rope = rope(RopeMode::kNeox, hp_.rope_freq_base, hp_.rope_freq_scale),
             .output_gate = true};
    for (int32_t il = 0; il < c.n_layer; ++il) {
      Layer l{.attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
              .ffn_norm = weights_.vector(layer_tensor(il, "post_attention_norm.weight"), c.n_embd),
              .ffn = bind_feed_forward(weights_, il, c)};
      if (recurrent[static_cast<size_t>(il)]) {
        l.index = n_recurrent_++;
        l.delta = bind_delta_net(weights_, il, c.n_embd, delta_);
      } else {
        l.index = n_attention_++;
        l.attn = bind_attention(weights_, il, c.n_embd, attn_, {.qk_norm = true});
      }
      l.recurrent = recurrent[static_cast<size_t>(il)];
      layers_.push_back(std::move(l));
    }
    if (n_attention_ == 0) throw Error(file.path() + ": no full-attention layer");
    ModelConfig& mc = hp_.config;
    mc.n_layer_recurrent = n_recurrent_;
    mc.ssm_n_k_heads = delta_.n_k_heads;
    mc.ssm_n_v_heads = delta_.n_v_heads;
    mc.ssm_head_dim = delta_.d_k;
    mc.ssm_conv_width = delta_.conv_width;
  }

  int32_t n_kv_layers() const override { return n_attention_; }
  int64_t recurrent_state_floats() const override { return delta_.state_floats() * n_recurrent_; }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    if (!begin(batch, kv, logits)) return;
    bind_states(batch, kv);
    const float eps = hp_.rms_eps;
    Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
    for (const Layer& l : layers_) {
      const ScratchScope scratch(be_);  // the layer's temporaries; x was allocated before
      // x += mixer(norm(x)); x += ffn(norm(x)), the mixer DeltaNet or gated attention
      const Tensor h = be_.rms_norm(x, l.attn_norm, eps);
      be_.add(x, l.recurrent ? delta_net_block(be_, h, l.delta, delta_, layer_states(l.index), eps)
                             : self_attention(be_, h, l.attn, attn_, step_, kv.layer(l.index)));
      be_.add(x, routing_.run(be_, be_.rms_norm(x, l.ffn_norm, eps), l.ffn, route_));
    }
    for (size_t i = 0; i < states_.size(); ++i) {
      states_[i]->n_tokens += static_cast<int32_t>(step_.seqs[i].n_rows);
    }
    finish(x, logits);  // norm, LM head: [n_wanted, n_vocab]
  }

 private:
  struct Layer {
    bool recurrent = false;
    int32_t index = 0;     // among the recurrent layers (state) or the attention layers (KV)
    WeightView attn_norm;  // [n_embd]
    AttentionWeights attn;
    DeltaNetWeights delta;
    WeightView ffn_norm;  // [n_embd]
    FeedForward ffn;
  };

  // Each sequence's recurrent state for this step; its tokens must continue where it stopped.
  void bind_states(const Batch& batch, KvCache& kv) {
    states_.clear();
    for (const AttnSeq& s : step_.seqs) {
      const auto row = static_cast<size_t>(s.row0);
      const int32_t seq = batch.seq_ids[row];
      RecurrentStates::State* st = kv.state(seq);
      if (st == nullptr) {
        throw Error("KV cache: built without recurrent state, which " + config().arch + " needs");
      }
      if (batch.positions[row] != st->n_tokens) {
        throw Error("sequence " + std::to_string(seq) + " continues at position " +
                    std::to_string(batch.positions[row]) + " but its recurrent state holds " +
                    std::to_string(st->n_tokens) + " tokens");
      }
      states_.push_back(st);
    }
  }

  // The batch's sequences with their state in recurrent layer `index`.
  std::span<const RecurrentSeq> layer_states(int32_t index) {
    rseqs_.clear();
    const int64_t offset = delta_.state_floats() * index;
    for (size_t i = 0; i < states_.size(); ++i) {
      rseqs_.push_back({.row0 = step_.seqs[i].row0,
                        .n_rows = step_.seqs[i].n_rows,
                        .state = states_[i]->data + offset});
    }
    return rseqs_;
  }

  AttentionOptions attn_;
  DeltaNetParams delta_;
  RouteParams route_;  // qwen35moe's experts
  ExpertRouting routing_;
  int32_t n_recurrent_ = 0, n_attention_ = 0;
  std::vector<Layer> layers_;
  std::vector<RecurrentStates::State*> states_;  // per step sequence (capacity kept)
  std::vector<RecurrentSeq> rseqs_;
};

}  // namespace

std::unique_ptr<Model> load_qwen35(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen35>(file, backend, Variant::kQwen35);
}

std::unique_ptr<Model> load_qwen35moe(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen35>(file, backend, Variant::kQwen35Moe);
}

std::unique_ptr<Model> load_qwen3next(const GgufFile& file, Backend& backend) {
  return std::make_unique<Qwen35>(file, backend, Variant::kQwen3Next);
}

}  // namespace minke
