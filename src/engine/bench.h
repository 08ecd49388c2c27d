// The measurements behind `minke bench`, made as llama-bench makes them so the numbers compare:
// pp (prompt processing: n_prompt random tokens from an empty KV cache, in forward calls of
// n_batch tokens) and tg (generation: n_gen random tokens one forward call each from an empty
// cache), each timed over `repetitions` runs after an untimed warm-up (the whole pp test; 16
// tokens of tg). With n_depth, the cache holds n_depth tokens (prefilled once, untimed) when
// each run starts: speed at that context, as llama-bench -d.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace minke {

struct BenchOptions {
  std::string model_path;
  int32_t n_prompt = 512;  // 0: no pp test
  int32_t n_gen = 128;     // 0: no tg test
  int32_t n_batch = 512;   // tokens per forward call in the pp test
  int32_t n_depth = 0;     // tokens already in the cache when each test starts (llama-bench -d)
  int32_t threads = 1;
  int32_t repetitions = 5;
  uint32_t seed = 1234;  // for the random token ids
};

// Mean and sample standard deviation of the tokens/s of each repetition (llama-bench's avg_ts
// and stddev_ts).
struct BenchStats {
  int32_t n_tokens = 0;
  double mean = 0;
  double stddev = 0;
  std::vector<double> samples;  // tokens/s of each timed repetition
};

struct BenchResult {
  std::string arch;
  std::string name;       // general.name (may be empty)
  std::string file_type;  // "Q4_K_M", ... from general.file_type (may be empty)
  uint64_t n_params = 0;
  uint64_t model_bytes = 0;  // every tensor's bytes (llama-bench's model_size)
  // What one generated token reads: every weight except the token embedding, which is used
  // one row at a time (unless the output projection is tied to it and reads it all), and of a
  // mixture-of-experts tensor only the experts a token runs (expert_used_count of expert_count).
  uint64_t weight_bytes_per_token = 0;
  std::string kernel_path;
  int32_t threads = 0;
  int32_t n_batch = 0;
  int32_t n_depth = 0;
  BenchStats pp;  // n_tokens == 0 when not run
  BenchStats tg;
};

// Called before each run: (test "pp512"/"tg128", run index (0 = warm-up), runs in all).
using BenchProgress = std::function<void(const std::string&, int32_t, int32_t)>;

// Loads the model and runs the tests. Throws minke::Error for unusable files or options.
BenchResult run_bench(const BenchOptions& options, const BenchProgress& progress = {});

// Bytes of weights one decode step reads (see BenchResult::weight_bytes_per_token).
class GgufFile;
uint64_t weight_bytes_per_token(const GgufFile& file);

}  // namespace minke
