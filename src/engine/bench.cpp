// run_bench: see bench.h. Mirrors llama.cpp's tools/llama-bench (test_prompt, test_gen): random
// token ids, a cleared cache before every run, logits for the last token of each forward call.
#include "engine/bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <random>
#include <string>

#include "backend/cpu/cpu_backend.h"
#include "engine/engine.h"
#include "engine/load_checks.h"
#include "engine/model_setup.h"
#include "gguf/file_type.h"
#include "gguf/gguf_file.h"
#include "kernels/kernel_table.h"
#include "kv/kv_cache.h"
#include "minke/error.h"
#include "models/model.h"

namespace minke {
namespace {

constexpr int32_t kSeq = 0;

using Clock = std::chrono::steady_clock;

// One model loaded for benchmarking, with a cache for the longer of the two tests.
struct Bench {
  Model& model;
  KvCache& kv;
  std::mt19937 rng;
  Batch batch;
  std::vector<float> logits;
  int32_t depth = 0;  // cached tokens each run starts from

  int32_t random_token() {
    return static_cast<int32_t>(rng() % static_cast<uint32_t>(model.config().n_vocab));
  }

  // Fills positions [from, from + n) in forward calls of n_batch tokens.
  void fill(int32_t from, int32_t n, int32_t n_batch) {
    for (int32_t done = 0; done < n;) {
      const int32_t step = std::min(n_batch, n - done);
      batch.clear();
      for (int32_t j = 0; j < step; ++j) {
        batch.add(random_token(), from + done + j, kSeq, j == step - 1);
      }
      kv.reserve(kSeq, from + done + step);
      model.forward(batch, kv, logits);
      done += step;
    }
  }

  // The cache back to the depth's tokens (prefilled on the first call).
  void rewind() {
    if (depth == 0) {
      kv.remove(kSeq);
    } else if (kv.n_tokens(kSeq) < depth) {
      fill(0, depth, 512);
      // A recurrent state cannot be cut back, and sliding-window layers let old blocks go: keep
      // what the depth needs to come back to.
      kv.save_state(kSeq);
    } else {
      kv.truncate(kSeq, depth);
    }
  }

  // n tokens after the depth in forward calls of n_batch tokens; returns seconds.
  double prompt(int32_t n, int32_t n_batch) {
    rewind();
    const auto t0 = Clock::now();
    fill(depth, n, n_batch);
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }

  // n tokens after the depth, one forward call each; returns seconds.
  double generate(int32_t n) {
    rewind();
    const auto t0 = Clock::now();
    for (int32_t pos = depth; pos < depth + n; ++pos) {
      batch.clear();
      batch.add(random_token(), pos, kSeq, true);
      kv.reserve(kSeq, pos + 1);
      model.forward(batch, kv, logits);
    }
    return std::chrono::duration<double>(Clock::now() - t0).count();
  }
};

BenchStats summarize(int32_t n_tokens, std::vector<double> samples) {
  BenchStats s{.n_tokens = n_tokens, .samples = std::move(samples)};
  if (s.samples.empty()) return s;
  double sum = 0;
  for (const double v : s.samples) sum += v;
  s.mean = sum / static_cast<double>(s.samples.size());
  if (s.samples.size() > 1) {
    double sq = 0;
    for (const double v : s.samples) sq += (v - s.mean) * (v - s.mean);
    s.stddev = std::sqrt(sq / static_cast<double>(s.samples.size() - 1));
  }
  return s;
}

// Runs one test: warm_up(), then `reps` timed runs; tokens/s of each.
template <typename WarmUp, typename Run>
BenchStats time_test(const std::string& test, int32_t n_tokens, int32_t reps,
                     const BenchProgress& progress, WarmUp warm_up, Run run) {
  std::vector<double> samples;
  for (int32_t r = 0; r <= reps; ++r) {
    if (progress) progress(test, r, reps + 1);
    if (r == 0) {
      warm_up();
      continue;
    }
    samples.push_back(static_cast<double>(n_tokens) / run());
  }
  return summarize(n_tokens, std::move(samples));
}

// The tg warm-up: enough tokens to touch every weight and settle the thread pool (llama-bench
// warms tg up with one token); a full n_gen run would only double the test's time.
constexpr int32_t kGenWarmUp = 16;

void check_options(const BenchOptions& o) {
  if (o.n_prompt < 0 || o.n_gen < 0 || o.n_depth < 0) {
    throw Error("bench: -p, -n and -d must be >= 0");
  }
  if (o.n_prompt == 0 && o.n_gen == 0) throw Error("bench: nothing to run (-p 0 and -n 0)");
  if (o.n_batch < 1) throw Error("bench: the batch size must be >= 1");
  if (o.threads < 1) throw Error("bench: threads must be >= 1");
  if (o.repetitions < 1) throw Error("bench: repetitions must be >= 1");
}

}  // namespace

uint64_t weight_bytes_per_token(const GgufFile& file) {
  const bool tied = file.find_tensor("output.weight") == nullptr;
  // A mixture-of-experts tensor ("..._exps") is read only for the experts a token runs.
  const std::string arch(file.get_string("general.architecture", ""));
  const uint32_t n_expert = file.get_u32(arch + ".expert_count", 0);
  const uint32_t n_used = file.get_u32(arch + ".expert_used_count", 0);
  uint64_t bytes = 0;
  for (const GgufTensor& t : file.tensors()) {
    if (t.name == "token_embd.weight" && !tied) continue;
    const bool experts = n_expert > 0 && n_used <= n_expert && t.name.ends_with("_exps.weight");
    bytes += experts ? t.n_bytes / n_expert * n_used : t.n_bytes;
  }
  return bytes;
}

BenchResult run_bench(const BenchOptions& o, const BenchProgress& progress) {
  check_options(o);
  const auto file = GgufFile::open(o.model_path);
  check_has_weights(*file);
  BenchResult r;
  for (const GgufTensor& t : file->tensors()) {
    r.n_params += t.n_elements;
    r.model_bytes += t.n_bytes;
  }
  r.weight_bytes_per_token = weight_bytes_per_token(*file);
  r.name = std::string(file->get_string("general.name", ""));
  if (const GgufValue* ft = file->find("general.file_type"))
    r.file_type = file_type_name(ft->as_u32());
  r.kernel_path = kernels().name;
  r.threads = o.threads;
  r.n_batch = std::min(o.n_batch, std::max(o.n_prompt, 1));

  // Every expert packed at load: timed runs must not pay for packing the experts a token meets
  // for the first time (with lazy packing a gpt-oss-20b shape's first runs measured 3.2, 5.4
  // and 7.6 t/s before settling at 8.5).
  const auto backend =
      make_cpu_backend(CpuBackendOptions{.n_threads = o.threads, .defer_experts = false});
  const auto model = load_model(*file, *backend);
  const ModelConfig& cfg = model->config();
  r.arch = cfg.arch;
  r.n_depth = o.n_depth;
  const int32_t n_ctx = o.n_depth + std::max(o.n_prompt, o.n_gen);
  if (cfg.n_ctx_train > 0 && n_ctx > cfg.n_ctx_train) {
    throw Error(o.model_path + ": a test of " + std::to_string(n_ctx) +
                " tokens is more than the model was trained for (" +
                std::to_string(cfg.n_ctx_train) + "): use -d plus -p and -n of at most that");
  }
  check_context(o.model_path, cfg,
                ContextRequest{.n_ctx = n_ctx,
                               .kv_bytes_per_token = kv_footprint(*model).per_token,
                               .weight_bytes = file->file_size(),
                               .scratch_bytes = static_cast<uint64_t>(cfg.n_vocab) * 4});
  // Steps of up to 512 depth tokens or n_batch; the tests after a saved depth keep their window
  // blocks until the rewind.
  const int32_t max_step = std::max({512, r.n_batch, o.n_prompt, o.n_gen});
  KvCache kv(*backend,
             kv_cache_options(*model, EngineOptions{.n_ctx = n_ctx, .max_batch_tokens = max_step}));
  Bench bench{.model = *model, .kv = kv, .rng = std::mt19937(o.seed), .depth = o.n_depth};
  bench.logits.resize(static_cast<size_t>(cfg.n_vocab));
  if (o.n_prompt > 0) {
    const auto pp = [&] { return bench.prompt(o.n_prompt, r.n_batch); };
    r.pp =
        time_test("pp" + std::to_string(o.n_prompt), o.n_prompt, o.repetitions, progress, pp, pp);
  }
  if (o.n_gen > 0) {
    r.tg = time_test(
        "tg" + std::to_string(o.n_gen), o.n_gen, o.repetitions, progress,
        [&] { return bench.generate(std::min(o.n_gen, kGenWarmUp)); },
        [&] { return bench.generate(o.n_gen); });
  }
  kv.remove(kSeq);
  return r;
}

}  // namespace minke
