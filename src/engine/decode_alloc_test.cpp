// DESIGN.md's "hot paths do not allocate": once a request is decoding, an Engine step (plan,
// batch, forward on the CPU backend, sampling, detokenization, stop strings, streaming) makes no
// heap allocation. Counted with a replacement global operator new, so it catches every
// allocation of any thread, including the backend's thread pool.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>
#include <vector>

#include "backend/cpu/cpu_backend.h"
#include "engine/engine.h"
#include "engine/model_setup.h"
#include "gguf/gguf_file.h"
#include "kv/kv_cache.h"
#include "models/model.h"
#include "support/test_paths.h"
#include "tokenizer/tokenizer.h"

#if defined(__SANITIZE_ADDRESS__)
#define MINKE_COUNT_ALLOCATIONS 0  // ASan owns operator new; the test is skipped there
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MINKE_COUNT_ALLOCATIONS 0
#else
#define MINKE_COUNT_ALLOCATIONS 1
#endif
#else
#define MINKE_COUNT_ALLOCATIONS 1
#endif

namespace {

std::atomic<bool> g_counting{false};
std::atomic<int64_t> g_allocations{0};

void* counted_alloc(std::size_t size, std::size_t align) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
  if (size == 0) size = 1;
  void* p = nullptr;
  if (align <= alignof(std::max_align_t)) {
    p = std::malloc(size);
  } else {
    p = std::aligned_alloc(align, (size + align - 1) / align * align);
  }
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

#if MINKE_COUNT_ALLOCATIONS
// The array and nothrow forms of libstdc++ forward to these.
void* operator new(std::size_t size) { return counted_alloc(size, 0); }
void* operator new(std::size_t size, std::align_val_t al) {
  return counted_alloc(size, static_cast<std::size_t>(al));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace minke {
namespace {

namespace fs = std::filesystem;

// Allocations made by fn() on any thread.
template <class Fn>
int64_t allocations_during(Fn&& fn) {
  g_allocations = 0;
  g_counting = true;
  fn();
  g_counting = false;
  return g_allocations.load();
}

std::vector<int>* volatile g_sink = nullptr;  // keeps the compiler from eliding the new

TEST(DecodeAllocations, CountingWorks) {
  if (!MINKE_COUNT_ALLOCATIONS) GTEST_SKIP() << "skipped: allocation counting is off under ASan";
  const int64_t n = allocations_during([] {
    g_sink = new std::vector<int>(100);
    delete g_sink;
  });
  EXPECT_EQ(n, 2);  // the vector object and its buffer
}

TEST(DecodeAllocations, EngineDecodeStepsAllocateNothing) {
  if (!MINKE_COUNT_ALLOCATIONS) GTEST_SKIP() << "skipped: allocation counting is off under ASan";
  const fs::path path = testing::golden_dir() / "models" / "tiny" / "llama.gguf";
  ASSERT_TRUE(fs::exists(path)) << path;
  const auto gguf = GgufFile::open(path.string());
  const auto tokenizer = Tokenizer::from_gguf(*gguf);
  const auto backend = make_cpu_backend({.n_threads = 2});
  const auto model = load_model(*gguf, *backend);
  const EngineOptions options{.n_ctx = 128, .max_seqs = 2, .block_size = 16};
  KvCache kv(*backend, kv_cache_options(*model, options));
  Engine engine(*model, kv, *tokenizer, options);

  // Two requests decoding side by side through the whole sampler chain (penalties, top-k,
  // top-p, min-p, temperature), a stop string that never matches, and streaming.
  int64_t n_streamed = 0;
  int n_finished = 0;
  const auto request = [&](std::vector<int32_t> prompt, uint64_t seed) {
    return Request{.prompt = std::move(prompt),
                   .sampling = {.repeat_penalty = 1.1f, .seed = seed},
                   .max_tokens = 90,
                   .stop = {"never appears in the output \x01"},
                   .ignore_eog = true,
                   .on_token =
                       [&n_streamed](const TokenEvent& e) {
                         n_streamed += static_cast<int64_t>(e.text.size()) + 1;
                         return true;
                       },
                   .on_finish = [&n_finished](const RequestResult&) { ++n_finished; }};
  };
  engine.submit(request({1, 72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100}, 7));
  engine.submit(request({1, 65, 66, 67}, 11));

  // Warm-up: prefill, then a few decode steps so that every reused buffer has its size.
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(engine.step());
  // 64 more decode steps of both sequences: positions cross several KV block boundaries.
  const int64_t n = allocations_during([&] {
    for (int i = 0; i < 64; ++i) engine.step();
  });
  EXPECT_EQ(n, 0) << "heap allocations in 64 decode steps of 2 sequences";
  EXPECT_EQ(n_finished, 0);
  EXPECT_GT(n_streamed, 0);
  engine.run_until_idle();
  EXPECT_EQ(n_finished, 2);
}

}  // namespace
}  // namespace minke
