// Gemma 4 (Google 2026), Gemma 3's sandwich-normed GeGLU decoder with:
// - sliding and global layers of their own shapes: head_count_kv per layer, heads of
//   attention.key_length_swa on sliding layers and attention.key_length on global ones, RoPE
//   base rope.freq_base_swa over rope.dimension_count_swa dims on sliding layers and
//   rope.freq_base with the rope_freqs factors on global ones (factors of 1e30 leave the dims
//   past the rotated fraction in place: "proportional" partial RoPE);
// - q/k RMS norms, a weightless RMS norm on V, no query scaling (attention scale 1); global
//   layers without attn_v use K's projection as V;
// - the last attention.shared_kv_layers layers store no K/V: each attends over what the last
//   earlier layer of its kind (sliding or global) stored;
// - per-layer input embeddings (E2B/E4B): a second token table of n_layer slices, mixed with a
//   projection of the embedding, gates a small residual branch at the end of every layer;
// - a scalar output scale per layer and soft-capped final logits;
// - the mixture layers of 26B-A4B: a dense GeGLU and routed GeGLU experts side by side, the
//   router reading the residual normalised to unit RMS / sqrt(n_embd) times its own scale,
//   softmax over all experts, top-k renormalised, each expert's output scaled.
// The converter stores norm weights as they are applied (no +1 here).
#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/architectures.h"
#include "models/blocks/attention.h"
#include "models/blocks/decoder.h"
#include "models/blocks/ffn.h"
#include "models/blocks/moe.h"

namespace minke {
namespace {

// Gemma 3's convention, which the Gemma 4 converter keeps: the last layer of a 6-layer period
// is global when the file has no per-layer pattern.
constexpr int32_t kDefaultSlidingPattern = 6;

class Gemma4 final : public DecoderModel {
 public:
  Gemma4(const GgufFile& file, Backend& backend) : DecoderModel(file, backend) {
    require_plain_attention();
    ModelConfig& c = hp_.config;
    const int32_t n_layer = c.n_layer;
    const std::vector<bool> sliding = read_layer_pattern(file, "attention.sliding_window_pattern",
                                                         n_layer, kDefaultSlidingPattern);
    const std::vector<int32_t> n_head =
        read_layer_counts(file, "attention.head_count", n_layer, c.n_head);
    const std::vector<int32_t> n_head_kv =
        read_layer_counts(file, "attention.head_count_kv", n_layer, c.n_head_kv);
    const std::vector<int32_t> n_ff =
        read_layer_counts(file, "feed_forward_length", n_layer, c.n_ff);
    const int32_t hd_local = arch_count(file, "attention.key_length_swa", c.head_dim);
    const int32_t rot_local = arch_count(file, "rope.dimension_count_swa", hd_local);
    if (arch_count(file, "attention.value_length_swa", hd_local) != hd_local ||
        rot_local > hd_local || rot_local % 2 != 0) {
      throw Error(file.path() +
                  ": gemma4 needs value_length_swa = key_length_swa and an even "
                  "rope.dimension_count_swa within it");
    }
    c.sliding_window =
        static_cast<int32_t>(file.get(arch_key(file, "attention.sliding_window")).as_u32());
    c.n_layer_sliding = static_cast<int32_t>(std::count(sliding.begin(), sliding.end(), true));
    c.n_layer_kv_shared = arch_count(file, "attention.shared_kv_layers", 0);
    c.n_embd_per_layer = arch_count(file, "embedding_length_per_layer_input", 0);
    // llama.cpp caps at 30 when the key is absent (as Gemma 4's configuration does).
    c.final_logit_softcap = file.get_f32(arch_key(file, "final_logit_softcapping"), 30.0f);
    n_kv_layers_ = n_layer - c.n_layer_kv_shared;
    if (c.n_layer_kv_shared > 0 && n_kv_layers_ < 2) {
      throw Error(file.path() + ": attention.shared_kv_layers " +
                  std::to_string(c.n_layer_kv_shared) + " leaves fewer than 2 layers with K/V");
    }

    const float local_base = file.get_f32(arch_key(file, "rope.freq_base_swa"), 10000.0f);
    const std::optional<WeightView> freqs =
        weights_.optional_vector("rope_freqs.weight", c.head_dim / 2);
    ones_.assign(static_cast<size_t>(std::max({c.n_embd, c.head_dim, hd_local})), 1.0f);
    if (c.n_expert > 0) {
      routing_ = read_expert_routing(file, c, Gating::kSoftmax);
      routing_.norm_weights = true;  // top-k renormalised, whatever the file says
      c.expert_routing = describe_routing(routing_);
    }
    for (int32_t il = 0; il < n_layer; ++il) {
      const bool local = sliding[static_cast<size_t>(il)];
      AttentionOptions attn{.n_head = n_head[static_cast<size_t>(il)],
                            .n_head_kv = n_head_kv[static_cast<size_t>(il)],
                            .head_dim = local ? hd_local : c.head_dim,
                            .norm_eps = hp_.rms_eps,
                            .q_scale = 1.0f};
      if (attn.n_head_kv == 0 || attn.n_head % attn.n_head_kv != 0) {
        throw Error(file.path() + ": layer " + std::to_string(il) + " has " +
                    std::to_string(attn.n_head) + " heads for " + std::to_string(attn.n_head_kv) +
                    " KV heads");
      }
      attn.rope = local ? rope(RopeMode::kNeox, local_base, 1.0f)
                        : rope(RopeMode::kNeox, hp_.rope_freq_base, hp_.rope_freq_scale);
      attn.rope.n_dims = local ? rot_local : hp_.rope_n_dims;
      if (!local && freqs) {
        attn.rope.freq_factors = {static_cast<const float*>(freqs->data),
                                  static_cast<size_t>(hp_.rope_n_dims / 2)};
      }
      attn.window = local ? c.sliding_window : 0;
      const int32_t kv_layer = kv_source(il, sliding);
      Layer l{
          .attn_opts = attn,
          .kv_layer = kv_layer,
          .attn_norm = weights_.vector(layer_tensor(il, "attn_norm.weight"), c.n_embd),
          .attn = bind_attention(weights_, il, c.n_embd, attn,
                                 {.qk_norm = true, .own_kv = kv_layer == il, .v_optional = true}),
          .post_attn_norm =
              weights_.vector(layer_tensor(il, "post_attention_norm.weight"), c.n_embd),
          .ffn_norm = weights_.vector(layer_tensor(il, "ffn_norm.weight"), c.n_embd),
          .ffn = bind_ffn(weights_, il, c.n_embd, n_ff[static_cast<size_t>(il)]),
          .post_ffn_norm = weights_.vector(layer_tensor(il, "post_ffw_norm.weight"), c.n_embd)};
      if (kv_layer == il) l.attn.v_norm = unit_norm(attn.head_dim);
      if (kv_layer != il) check_shared(il, kv_layer, n_head_kv, sliding);
      bind_experts(il, l);
      bind_per_layer_input(il, l);
      if (const auto s =
              weights_.optional_vector(layer_tensor(il, "layer_output_scale.weight"), 1)) {
        l.out_scale = *static_cast<const float*>(s->data);
      }
      layers_.push_back(std::move(l));
    }
    if (c.n_embd_per_layer > 0) {
      const int64_t width = int64_t{n_layer} * c.n_embd_per_layer;
      ple_table_ = weights_.table("per_layer_token_embd.weight", c.n_vocab, width);
      ple_proj_ = weights_.matrix("per_layer_model_proj.weight", width, c.n_embd);
      ple_proj_norm_ = weights_.vector("per_layer_proj_norm.weight", c.n_embd_per_layer);
    }
    embd_scale_ = std::sqrt(static_cast<float>(c.n_embd));
  }

  int32_t n_kv_layers() const override { return n_kv_layers_; }
  KvLayout kv_layer_layout(int32_t il) const override {
    const AttentionOptions& o = layers_[static_cast<size_t>(il)].attn_opts;
    return {.n_head_kv = o.n_head_kv, .head_dim = o.head_dim, .window = o.window};
  }

  void forward(const Batch& batch, KvCache& kv, std::span<float> logits) override {
    if (!begin(batch, kv, logits)) return;
    const ModelConfig& c = config();
    const float eps = hp_.rms_eps;
    Tensor x = be_.get_rows(tok_embd_, batch.tokens);  // [M, n_embd]
    be_.scale(x, embd_scale_);
    const Tensor ple = per_layer_inputs(x, batch.tokens);  // [M, n_layer * n_embd_per_layer]
    for (int32_t il = 0; il < c.n_layer; ++il) {
      const Layer& l = layers_[static_cast<size_t>(il)];
      const ScratchScope scratch(be_);  // the layer's temporaries; x and ple came before
      const Tensor a = self_attention(be_, be_.rms_norm(x, l.attn_norm, eps), l.attn, l.attn_opts,
                                      step_, kv.layer(l.kv_layer));  // [M, n_embd]
      be_.add(x, be_.rms_norm(a, l.post_attn_norm, eps));
      be_.add(x, be_.rms_norm(feed_forward(x, l), l.post_ffn_norm, eps));
      if (l.ple) {
        const int64_t w = c.n_embd_per_layer;
        const Tensor g = be_.matmul(x, l.ple->gate);  // [M, n_embd_per_layer]
        const Tensor h = be_.gelu_mul(g, ple.col_range(il * w, w));
        be_.add(x, be_.rms_norm(be_.matmul(h, l.ple->proj), l.ple->post_norm, eps));
      }
      if (l.out_scale != 1.0f) be_.scale(x, l.out_scale);
    }
    finish(x, logits);  // norm, LM head (tied to the embedding): [n_wanted, n_vocab]
    if (c.final_logit_softcap > 0.0f) {
      // llama.cpp's order: scale by 1/cap, tanh, scale by cap.
      const float cap = c.final_logit_softcap, inv = 1.0f / cap;
      for (float& v : logits) v = cap * std::tanh(v * inv);
    }
  }

 private:
  struct Experts {
    WeightView router_scale;  // ffn_gate_inp.scale [n_embd]
    WeightView pre_norm;      // pre_ffw_norm_2 [n_embd]: the experts' input norm
    WeightView dense_norm;    // post_ffw_norm_1 [n_embd]: the dense MLP's output
    WeightView moe_norm;      // post_ffw_norm_2 [n_embd]: the experts' output
    MoeWeights moe;
  };
  struct PerLayerInput {
    WeightView gate;       // inp_gate [n_embd_per_layer, n_embd]
    WeightView proj;       // proj [n_embd, n_embd_per_layer]
    WeightView post_norm;  // post_norm [n_embd]
  };
  struct Layer {
    AttentionOptions attn_opts;  // sliding or global
    int32_t kv_layer = 0;        // the layer whose K/V it reads (its own unless shared)
    WeightView attn_norm;        // [n_embd]
    AttentionWeights attn;
    WeightView post_attn_norm;  // [n_embd]
    WeightView ffn_norm;        // [n_embd]
    FfnWeights ffn;
    WeightView post_ffn_norm;  // [n_embd]
    std::optional<Experts> experts;
    std::optional<PerLayerInput> ple;
    float out_scale = 1.0f;
  };

  // The layer whose cache layer il attends over: its own, or for the last shared_kv_layers the
  // last earlier layer with K/V of the same kind (llama.cpp: the last global layer with K/V
  // for global layers, the one before it for sliding ones).
  int32_t kv_source(int32_t il, const std::vector<bool>& sliding) const {
    if (il < n_kv_layers_) return il;
    return n_kv_layers_ - (sliding[static_cast<size_t>(il)] ? 2 : 1);
  }
  void check_shared(int32_t il, int32_t src, const std::vector<int32_t>& n_head_kv,
                    const std::vector<bool>& sliding) const {
    const auto i = static_cast<size_t>(il), s = static_cast<size_t>(src);
    if (sliding[i] != sliding[s] || n_head_kv[i] != n_head_kv[s]) {
      throw Error(weights_.file().path() + ": layer " + std::to_string(il) +
                  " shares the K/V of layer " + std::to_string(src) +
                  ", which is of another kind or KV head count");
    }
  }

  WeightView unit_norm(int64_t n) const {
    return {.type = GgmlType::F32, .data = ones_.data(), .rows = 1, .cols = n};
  }

  void bind_experts(int32_t il, Layer& l) const {
    const ModelConfig& c = config();
    if (!weights_.has(layer_tensor(il, "ffn_gate_inp.weight"))) return;
    if (c.n_expert == 0) {
      throw Error(weights_.file().path() + ": layer " + std::to_string(il) +
                  " has a router but the file sets no expert_count");
    }
    const auto v = [&](const char* name) {
      return weights_.vector(layer_tensor(il, name), c.n_embd);
    };
    l.experts = Experts{.router_scale = v("ffn_gate_inp.scale"),
                        .pre_norm = v("pre_ffw_norm_2.weight"),
                        .dense_norm = v("post_ffw_norm_1.weight"),
                        .moe_norm = v("post_ffw_norm_2.weight"),
                        .moe = bind_moe(weights_, il, c.n_embd, c.n_expert, c.n_ff_exp, 0)};
  }

  void bind_per_layer_input(int32_t il, Layer& l) const {
    const ModelConfig& c = config();
    if (c.n_embd_per_layer == 0) return;
    l.ple = PerLayerInput{
        .gate = weights_.matrix(layer_tensor(il, "inp_gate.weight"), c.n_embd_per_layer, c.n_embd),
        .proj = weights_.matrix(layer_tensor(il, "proj.weight"), c.n_embd, c.n_embd_per_layer),
        .post_norm = weights_.vector(layer_tensor(il, "post_norm.weight"), c.n_embd)};
  }

  // Every layer's input embedding, [M, n_layer * n_embd_per_layer] (empty without them):
  // (norm(proj(x) / sqrt(n_embd)) + table[token] * sqrt(width)) / sqrt(2), x the scaled
  // token embedding.
  Tensor per_layer_inputs(const Tensor& x, std::span<const int32_t> tokens) {
    const ModelConfig& c = config();
    if (c.n_embd_per_layer == 0) return {};
    const Tensor t = be_.get_rows(ple_table_, tokens);
    be_.scale(t, std::sqrt(static_cast<float>(c.n_embd_per_layer)));
    Tensor p = be_.matmul(x, ple_proj_);
    be_.scale(p, 1.0f / std::sqrt(static_cast<float>(c.n_embd)));
    p = be_.rms_norm(p, ple_proj_norm_, hp_.rms_eps);  // each layer's slice on its own
    be_.add(p, t);
    be_.scale(p, 1.0f / std::sqrt(2.0f));
    return p;
  }

  // The layer's feed-forward on norm(x): the dense GeGLU, plus the routed experts in a
  // mixture layer (each output normed on its own before the sum).
  Tensor feed_forward(const Tensor& x, const Layer& l) {
    const float eps = hp_.rms_eps;
    const Tensor dense = geglu_ffn(be_, be_.rms_norm(x, l.ffn_norm, eps), l.ffn);  // [M, n_embd]
    if (!l.experts) return dense;
    const Experts& e = *l.experts;
    const ModelConfig& c = config();
    Tensor r = be_.rms_norm(x, unit_norm(c.n_embd), eps);
    be_.scale(r, 1.0f / std::sqrt(static_cast<float>(c.n_embd)));
    be_.mul(r, e.router_scale);
    const Tensor logits = be_.matmul(r, e.moe.router);  // [M, n_expert]
    const Tensor routed = experts_.run_routed(be_, be_.rms_norm(x, e.pre_norm, eps), logits, e.moe,
                                              routing_, {.gelu = true});
    const Tensor out = be_.rms_norm(dense, e.dense_norm, eps);
    be_.add(out, be_.rms_norm(routed, e.moe_norm, eps));
    return out;
  }

  int32_t n_kv_layers_ = 0;
  float embd_scale_ = 1.0f;
  std::vector<float> ones_;  // the weight of the weightless norms (sized once: views into it)
  RouteParams routing_;
  ExpertRouting experts_;
  WeightView ple_table_;      // per_layer_token_embd [n_vocab, n_layer * n_embd_per_layer]
  WeightView ple_proj_;       // per_layer_model_proj [n_layer * n_embd_per_layer, n_embd]
  WeightView ple_proj_norm_;  // per_layer_proj_norm [n_embd_per_layer]
  std::vector<Layer> layers_;
};

}  // namespace

std::unique_ptr<Model> load_gemma4(const GgufFile& file, Backend& backend) {
  return std::make_unique<Gemma4>(file, backend);
}

}  // namespace minke
