// Backend: the one interface model code calls. Eager: every op runs when called (no graph).
// Activations are f32 Tensors in backend memory from a per-step arena; weights are WeightViews
// of the mmap'd GGUF data, never copied on the CPU. cpu/ implements it now; cuda/ and vulkan/
// will implement the same class. Shapes are [rows, cols], rows = tokens of the batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string_view>

#include "gguf/ggml_type.h"
#include "kernels/kernel_table.h"  // KvLayout, KvView, RopeParams, AttentionParams, RouteParams

namespace minke {

// An f32 matrix [rows, cols] in backend memory; row r starts at data + r * stride. Only the
// backend dereferences data (on a GPU backend it is a device pointer). Views share storage.
struct Tensor {
  float* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  int64_t stride = 0;  // floats between rows, >= cols

  Tensor row_range(int64_t r0, int64_t n) const { return {data + r0 * stride, n, cols, stride}; }
  // A column slice, e.g. the K part of a fused QKV projection.
  Tensor col_range(int64_t c0, int64_t n) const { return {data + c0, rows, n, stride}; }
};

// A weight matrix [rows, cols] in its GGUF type: `rows` rows of `cols` elements, each row a
// whole number of blocks (GGUF ne[0] = cols, ne[1] = rows). A 1-D tensor (norm weight, bias)
// is rows = 1. For a matmul, rows = N (out features) and cols = K (in features).
// `data` is the file's bytes (the mmap); `prepared` is what Backend::prepare_weight made of them
// for matmul (a repacked copy on the CPU, a device buffer on a GPU), or null.
struct WeightView {
  GgmlType type = GgmlType::F32;
  const void* data = nullptr;
  int64_t rows = 0;
  int64_t cols = 0;
  const void* prepared = nullptr;
};

// Persistent K/V storage of one layer: n_blocks blocks of layout.block_size tokens, f16, laid
// out as kernel_table.h's KvLayout says. The kv layer assigns blocks to sequences; slot s =
// block * block_size + offset names one token's place.
struct KvStore {
  uint16_t* k = nullptr;
  uint16_t* v = nullptr;
  int32_t n_blocks = 0;
  KvLayout layout;
};

// The query rows [row0, row0 + n_rows) of an attention call that belong to one sequence, and
// that sequence's cache: logical token j (= position j) in block block_table[j / block_size].
// n_tokens counts the cached tokens including this step's (store_kv runs before attention).
struct AttnSeq {
  int64_t row0 = 0;
  int64_t n_rows = 0;
  std::span<const int32_t> block_table;
  int32_t n_tokens = 0;
};

// The rows [row0, row0 + n_rows) of an activation matrix that one expert of a mixture-of-experts
// layer runs on (Backend::matmul_experts).
struct ExpertRows {
  int32_t expert = 0;
  int64_t row0 = 0;
  int64_t n_rows = 0;
};

// One sequence's rows [row0, row0 + n_rows) of a Gated DeltaNet layer and its state in that
// layer: the convolution tail ([conv channels][conv_width - 1]) followed by the n_v_heads
// [d_v][d_k] state matrices (Backend::delta_net).
struct RecurrentSeq {
  int64_t row0 = 0;
  int64_t n_rows = 0;
  float* state = nullptr;
};

// The shape and small weights of a Gated DeltaNet layer (Qwen3.5, Qwen3-Next).
struct DeltaNetParams {
  int32_t n_k_heads = 0;  // query/key heads of d_k
  int32_t n_v_heads = 0;  // value heads of d_v (a multiple of n_k_heads)
  int32_t d_k = 0, d_v = 0;
  int32_t conv_width = 0;  // the causal convolution's kernel width
  // Value head h reads key head h mod n_k_heads (qwen35 files) or else h / (n_v / n_k)
  // (qwen3next files).
  bool k_head_mod = true;
  float eps = 0.0f;                    // of the q/k L2 norms
  const float* conv_kernel = nullptr;  // [2 * n_k * d_k + n_v * d_v][conv_width]
  const float* dt_bias = nullptr;      // [n_v_heads]
  const float* a = nullptr;            // [n_v_heads]: -exp(A_log)

  int64_t conv_channels() const { return int64_t{2} * n_k_heads * d_k + int64_t{n_v_heads} * d_v; }
  // Floats of one sequence's state in one layer (RecurrentSeq::state).
  int64_t state_floats() const {
    return conv_channels() * (conv_width - 1) + int64_t{n_v_heads} * d_v * d_k;
  }
};

// A position in a backend's activation memory (see Backend::mark_scratch).
struct ScratchMark {
  size_t chunk = 0, used = 0, live = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string_view name() const = 0;
  // Whether matmul and get_rows accept weights of `type` (check at model load).
  virtual bool supports(GgmlType type) const = 0;
  // Called once per matmul weight at load: returns the view matmul will be given, with
  // `prepared` set when the backend keeps the weight in a layout of its own (the CPU repacks
  // for kernels that declare a packed layout, a GPU uploads). When it has copied a range of the
  // file's bytes and will not read them again it calls release(p, n), so the caller can drop
  // those mmap pages from the resident set as it goes (get_rows may still read `data`: dropped
  // pages come back from the page cache on demand).
  using SourceRelease = std::function<void(const void* p, size_t n)>;
  virtual WeightView prepare_weight(const WeightView& w, const SourceRelease& release) = 0;
  // The same for one expert of a mixture-of-experts layer, which a backend may defer until a
  // token is first routed to it (matmul_experts then prepares it): an expert no token chooses
  // is never read, so a model larger than memory whose used experts fit still runs from the
  // mmap. The returned view is what matmul_experts must be given.
  virtual WeightView prepare_expert(const WeightView& w, const SourceRelease& release) = 0;
  // Bytes the backend holds for prepared weights (reported next to the model size).
  virtual size_t prepared_bytes() const = 0;
  // Bytes of activation memory held now (the step arena grows to the largest step's peak).
  virtual size_t scratch_bytes() const = 0;

  // ---- memory ----
  // Starts a forward step: every Tensor from alloc() before this call becomes invalid.
  virtual void begin_step() = 0;
  // An uninitialised [rows, cols] tensor living until the next begin_step().
  virtual Tensor alloc(int64_t rows, int64_t cols) = 0;
  // Scratch scopes: release_scratch(m) frees every tensor allocated since mark_scratch()
  // returned m (they become invalid), so one layer's temporaries reuse the memory of the
  // last's; what must outlive the scope is allocated before it (see ScratchScope).
  virtual ScratchMark mark_scratch() = 0;
  virtual void release_scratch(const ScratchMark& m) = 0;
  virtual void upload(std::span<const float> src, const Tensor& dst) = 0;  // rows*cols floats
  virtual void download(const Tensor& src, std::span<float> dst) = 0;      // rows*cols floats
  // K/V storage for one layer, zeroed, alive as long as the backend (a latent layout: one pool,
  // `k`, and v == nullptr).
  virtual KvStore alloc_kv(int32_t n_blocks, const KvLayout& layout) = 0;
  // n floats of recurrent state, zeroed, alive as long as the backend.
  virtual float* alloc_state(int64_t n) = 0;
  // dst = src over n floats of state memory (src == nullptr: zeros).
  virtual void copy_state(const float* src, float* dst, int64_t n) = 0;

  // ---- ops (x: [M, ...] activations; results are new arena tensors unless "in place") ----
  // Embedding lookup: [ids.size(), table.cols], row i = dequantized table row ids[i].
  virtual Tensor get_rows(const WeightView& table, std::span<const int32_t> ids) = 0;
  // [M, rows.size()] picked rows of x (e.g. the tokens whose logits are wanted).
  virtual Tensor gather_rows(const Tensor& x, std::span<const int32_t> rows) = 0;
  // y[M, N] = x[M, K] · W[N, K]^T (+ bias[N], an F32 1-D weight, if given). W should come
  // from prepare_weight (an unprepared one is run slowly in the file's layout). Activations are
  // quantized per row to the weight type's dot format (Q8_0/Q8_1/Q8_K/F16/BF16); every y
  // element is bit-identical whatever M, the batch or the thread count.
  virtual Tensor matmul(const Tensor& x, const WeightView& w, const WeightView* bias = nullptr) = 0;
  // [M, C] RMS norm with weight w (F32): w.cols == C, or w.cols divides C and each w.cols-wide
  // segment (a head: qwen3/gemma3 q/k norms) is normalised on its own.
  virtual Tensor rms_norm(const Tensor& x, const WeightView& w, float eps) = 0;
  // In place on x [M, n_head * head_dim]: rotates dims [first_dim, first_dim + p.n_dims) of
  // every head of row m at position pos[m] (first_dim > 0: DeepSeek's decoupled RoPE part).
  virtual void rope(const Tensor& x, int32_t head_dim, std::span<const int32_t> pos,
                    const RopeParams& p, int32_t first_dim) = 0;
  // Writes rows of k, v [M, n_head_kv * head_dim] (rounded to f16) into slots[m] of `store`.
  virtual void store_kv(const Tensor& k, const Tensor& v, std::span<const int32_t> slots,
                        const KvStore& store) = 0;
  // [M, n_head * head_dim]: causal attention of q [M, n_head * head_dim], q row m at position
  // pos[m], over the cache of the sequence in `seqs` that owns row m (GQA, window, softcap in p).
  virtual Tensor attention(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                           std::span<const AttnSeq> seqs, const AttentionParams& p) = 0;
  // ---- mixture of experts ----
  // Routes every row of logits [M, p.n_expert] (RouteFn; bias: an F32 [n_expert] selection
  // bias or null): ids and weights receive M * p.n_used values in host memory, row by row.
  virtual void route(const Tensor& logits, const WeightView* bias, const RouteParams& p,
                     std::span<int32_t> ids, std::span<float> weights) = 0;
  // y[R, N] for x [R, K] whose rows are grouped by expert: the rows of each group times
  // experts[group.expert]^T (all experts of one type and shape [N, K]), every group in one
  // parallel pass, plus biases[group.expert] (F32 [N]) when biases is not empty. Each y row
  // is bit-identical to matmul() of that x row with its expert (and bias).
  virtual Tensor matmul_experts(const Tensor& x, std::span<const WeightView> experts,
                                std::span<const ExpertRows> groups,
                                std::span<const WeightView> biases = {}) = 0;
  // [rows.size() / per_row, x.cols]: output row m = sum over j in order of
  // weights[m * per_row + j] * x[rows[m * per_row + j]] (the routed experts' outputs of a token
  // combined; the order is fixed, so the result does not depend on the batch).
  virtual Tensor weighted_sum_rows(const Tensor& x, std::span<const int32_t> rows,
                                   std::span<const float> weights, int32_t per_row) = 0;

  // ---- Gated DeltaNet ----
  // [M, n_v_heads * d_v]: the core of a Gated DeltaNet layer. qkv [M, conv channels] is the
  // input projection (queries | keys | values), beta and alpha [M, n_v_heads] the gate
  // projections. Per sequence of `seqs`, in row order from its state: the causal convolution
  // with SiLU, L2 norms of each query and key head, then the gated delta rule of every value
  // head (kernel_table.h's DeltaRuleArgs, scale 1/sqrt(d_k)). Each state is left updated. Row
  // results depend only on the sequence's earlier rows, never on the batch.
  virtual Tensor delta_net(const Tensor& qkv, const Tensor& beta, const Tensor& alpha,
                           std::span<const RecurrentSeq> seqs, const DeltaNetParams& p) = 0;

  // ---- Multi-head Latent Attention (a store with a latent layout) ----
  // Writes rows [M, latent_dim] (rounded to f16) into slots[m] of `store`.
  virtual void store_latent(const Tensor& rows, std::span<const int32_t> slots,
                            const KvStore& store) = 0;
  // [M, n_head * v_width]: causal attention of q [M, n_head * latent_dim] (each head its
  // absorbed query, see MlaView) over the latent cache of each row's sequence.
  virtual Tensor attention_mla(const Tensor& q, std::span<const int32_t> pos, const KvStore& store,
                               std::span<const AttnSeq> seqs, int32_t n_head, int32_t v_width,
                               float scale) = 0;
  // Per-head matmuls: for each head h, y's columns [h * y_head_stride, + w[h].rows) of every row
  // = x's columns [h * x_head_stride, + w[h].cols) times w[h]^T (all w[h] of one type and
  // shape); y is written in place. Each value is bit-identical to matmul() of that slice.
  virtual void matmul_heads(const Tensor& x, int64_t x_head_stride, std::span<const WeightView> w,
                            const Tensor& y, int64_t y_head_stride) = 0;
  // dst = src (same shape; either may be a column view).
  virtual void copy(const Tensor& src, const Tensor& dst) = 0;

  // In place: x += y (same shape; the residual connection).
  virtual void add(const Tensor& x, const Tensor& y) = 0;
  // In place: x *= w, w a 1-D F32 weight of x.cols values broadcast over rows.
  virtual void mul(const Tensor& x, const WeightView& w) = 0;
  // In place: x *= s (e.g. gemma's embedding scale sqrt(dim)).
  virtual void scale(const Tensor& x, float s) = 0;
  // [M, C]: silu(gate) * up (SwiGLU) and gelu_tanh(gate) * up (GeGLU), gate/up [M, C].
  virtual Tensor silu_mul(const Tensor& gate, const Tensor& up) = 0;
  virtual Tensor gelu_mul(const Tensor& gate, const Tensor& up) = 0;
  // [M, C]: sigmoid(gate) * x (Qwen3.5's gated attention output); gate [M, C], or [M, 1]: one
  // gate per row (Qwen3-Next's shared-expert gate).
  virtual Tensor sigmoid_mul(const Tensor& gate, const Tensor& x) = 0;
  // [M, C]: gpt-oss's clamped SwiGLU (ClampedGluFn in kernel_table.h) with alpha and limit.
  virtual Tensor clamped_silu_mul(const Tensor& gate, const Tensor& up, float alpha,
                                  float limit) = 0;
};

// Releases, when it goes out of scope, every tensor the backend allocated after its creation.
class ScratchScope {
 public:
  explicit ScratchScope(Backend& be) : be_(be), mark_(be.mark_scratch()) {}
  ~ScratchScope() { be_.release_scratch(mark_); }
  ScratchScope(const ScratchScope&) = delete;
  ScratchScope& operator=(const ScratchScope&) = delete;

 private:
  Backend& be_;
  ScratchMark mark_;
};

}  // namespace minke
