// `minke bench`: prompt-processing and generation speed as llama-bench measures them (pp512,
// tg128, mean ± stddev over repetitions), the kernel path, and how close generation comes to the
// memory-bandwidth roofline, from a built-in read-bandwidth probe (`minke bench --membw` alone).
// Progress on stderr; the table (or one JSON object with --json) on stdout.
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "command.h"
#include "engine/bench.h"
#include "engine/host_info.h"
#include "engine/membw.h"
#include "format.h"
#include "validators.h"

namespace minke::cli {
namespace {

struct BenchFlags {
  std::string model;
  int32_t n_prompt = 512;
  int32_t n_gen = 128;
  int32_t n_batch = 512;
  int32_t n_depth = 0;
  int32_t threads = 0;
  int32_t repetitions = 5;
  bool json = false;
  bool membw_only = false;
  bool no_membw = false;
  int32_t membw_mib = 1024;
};

// The source commit when this binary sits in Minke's own checkout (a build folder inside it):
// MINKE_COMMIT when set, else `git rev-parse` there, "-dirty" when tracked sources differ.
std::string source_commit() {
  if (const char* env = std::getenv("MINKE_COMMIT"); env != nullptr && *env != '\0') return env;
  std::array<char, 4096> exe{};
  const ssize_t n = readlink("/proc/self/exe", exe.data(), exe.size() - 1);
  if (n <= 0) return "";
  std::string dir(exe.data(), static_cast<size_t>(n));
  dir = dir.substr(0, dir.find_last_of('/'));
  if (dir.find('\'') != std::string::npos) return "";
  const std::string cmd = "cd '" + dir +
                          "' && top=$(git rev-parse --show-toplevel) && "
                          "[ -f \"$top/src/engine/bench.h\" ] && cd \"$top\" && "
                          "c=$(git rev-parse --short=12 HEAD) && "
                          "{ git diff --quiet HEAD -- src include tools CMakeLists.txt && "
                          "echo \"$c\" || echo \"$c-dirty\"; }";
  FILE* p = popen(("(" + cmd + ") 2>/dev/null").c_str(), "r");
  if (p == nullptr) return "";
  std::string out;
  std::array<char, 128> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void show_progress(const std::string& test, int32_t run, int32_t runs) {
  if (isatty(STDERR_FILENO)) {
    std::fprintf(stderr, "\r\033[Kbench: %s run %d/%d%s", test.c_str(), run + 1, runs,
                 run == 0 ? " (warm-up)" : "");
  } else if (run == 0) {
    std::fprintf(stderr, "bench: %s, 1 warm-up + %d runs\n", test.c_str(), runs - 1);
  }
  std::fflush(stderr);
}

void clear_progress() {
  if (isatty(STDERR_FILENO)) std::fputs("\r\033[K", stderr);
}

MembwResult probe(const BenchFlags& f, int32_t threads) {
  if (isatty(STDERR_FILENO)) {
    std::fprintf(stderr, "\r\033[Kbench: memory bandwidth probe (%d MiB, %d threads)", f.membw_mib,
                 threads);
  }
  const MembwResult m = measure_read_bandwidth(
      MembwOptions{.threads = threads, .buffer_bytes = uint64_t(f.membw_mib) << 20});
  clear_progress();
  return m;
}

std::string membw_line(const MembwResult& m) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%.1f GB/s (read, %d threads, %s buffer, best of %d passes)",
                m.gb_per_s, m.threads, human_bytes(m.buffer_bytes).c_str(), m.passes);
  return buf;
}

nlohmann::ordered_json nullable(double v, bool present) {
  return present ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

void add_machine(nlohmann::ordered_json& j, const HostInfo& host, const std::string& commit) {
  j["machine"] = host.cpu_model;
  j["cpu_features"] = host.cpu_features;
  j["physical_cores"] = host.physical_cores;
  j["memory_bytes"] = host.memory_bytes;
  j["commit"] = commit.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(commit);
}

int run_membw_only(const BenchFlags& f, const HostInfo& host, int32_t threads) {
  const MembwResult m = probe(f, threads);
  if (f.json) {
    nlohmann::ordered_json j;
    j["membw_gb_per_s"] = m.gb_per_s;
    j["threads"] = m.threads;
    j["buffer_bytes"] = m.buffer_bytes;
    j["passes"] = m.passes;
    add_machine(j, host, source_commit());
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    print_field("machine",
                host.cpu_model + " (" + std::to_string(host.physical_cores) + " physical cores)");
    print_field("memory bandwidth", membw_line(m));
  }
  return 0;
}

std::string model_label(const BenchResult& r) {
  std::string label = r.arch + " " + human_count(r.n_params);
  if (!r.file_type.empty()) label += " " + r.file_type;
  return label;
}

void print_table(const BenchResult& r) {
  std::printf("| %-24s | %10s | %9s | %-7s | %7s | %7s | %20s |\n", "model", "size", "params",
              "kernels", "threads", "test", "t/s");
  std::printf("| %s | %s: | %s: | %s | %s: | %s: | %s: |\n", std::string(24, '-').c_str(),
              std::string(9, '-').c_str(), std::string(8, '-').c_str(), std::string(7, '-').c_str(),
              std::string(6, '-').c_str(), std::string(6, '-').c_str(),
              std::string(19, '-').c_str());
  for (const auto* s : {&r.pp, &r.tg}) {
    if (s->n_tokens == 0) continue;
    // llama-bench's names: "tg128", "tg128 @ d4096".
    std::string test = (s == &r.pp ? "pp" : "tg") + std::to_string(s->n_tokens);
    if (r.n_depth > 0) test += " @ d" + std::to_string(r.n_depth);
    char ts[64];
    std::snprintf(ts, sizeof ts, "%.2f ± %.2f", s->mean, s->stddev);
    // "±" is two bytes but one column: pad by one more.
    std::printf("| %-24s | %10s | %9s | %-7s | %7d | %7s | %21s |\n", model_label(r).c_str(),
                human_bytes(r.model_bytes).c_str(), human_count(r.n_params).c_str(),
                r.kernel_path.c_str(), r.threads, test.c_str(), ts);
  }
}

int run_bench_cmd(const BenchFlags& f) {
  const HostInfo host = host_info();  // fails early on a bad MINKE_KERNELS
  const int32_t threads = f.threads > 0 ? f.threads : host.physical_cores;
  if (f.membw_only) return run_membw_only(f, host, threads);
  // The header comes once the model has loaded, so that a load error stays one stderr line.
  bool started = false;
  const auto progress = [&](const std::string& test, int32_t run, int32_t runs) {
    if (!started) {
      std::fprintf(stderr, "bench: %s, %d threads, %s kernels\n", f.model.c_str(), threads,
                   host.kernel_path.c_str());
      started = true;
    }
    show_progress(test, run, runs);
  };
  const BenchResult r = run_bench(BenchOptions{.model_path = f.model,
                                               .n_prompt = f.n_prompt,
                                               .n_gen = f.n_gen,
                                               .n_batch = f.n_batch,
                                               .n_depth = f.n_depth,
                                               .threads = threads,
                                               .repetitions = f.repetitions},
                                  progress);
  clear_progress();
  std::optional<MembwResult> membw;
  if (!f.no_membw) membw = probe(f, threads);
  const bool has_roofline = membw.has_value() && r.tg.n_tokens > 0;
  const double tg_gb_per_s = r.tg.mean * static_cast<double>(r.weight_bytes_per_token) / 1e9;
  const double roofline = has_roofline ? tg_gb_per_s / membw->gb_per_s : 0;
  if (f.json) {
    nlohmann::ordered_json j;
    j["model"] = f.model;
    j["model_name"] = r.name;
    j["arch"] = r.arch;
    j["file_type"] = r.file_type;
    j["n_params"] = r.n_params;
    j["model_bytes"] = r.model_bytes;
    j["weight_bytes_per_token"] = r.weight_bytes_per_token;
    j["kernel_path"] = r.kernel_path;
    j["weight_prefetch"] = host.weight_prefetch;
    j["threads"] = r.threads;
    j["n_prompt"] = r.pp.n_tokens;
    j["n_gen"] = r.tg.n_tokens;
    j["n_batch"] = r.n_batch;
    j["n_depth"] = r.n_depth;
    j["repetitions"] = f.repetitions;
    j["pp_tokens_per_s"] = nullable(r.pp.mean, r.pp.n_tokens > 0);
    j["pp_std"] = nullable(r.pp.stddev, r.pp.n_tokens > 0);
    j["pp_samples"] = r.pp.samples;
    j["tg_tokens_per_s"] = nullable(r.tg.mean, r.tg.n_tokens > 0);
    j["tg_std"] = nullable(r.tg.stddev, r.tg.n_tokens > 0);
    j["tg_samples"] = r.tg.samples;
    j["membw_gb_per_s"] = nullable(membw ? membw->gb_per_s : 0, membw.has_value());
    j["roofline_fraction"] = nullable(roofline, has_roofline);
    add_machine(j, host, source_commit());
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  print_table(r);
  std::printf("\n");
  print_field("machine", host.cpu_model + " (" + std::to_string(host.physical_cores) +
                             " physical cores; " + host.cpu_features + ")");
  if (membw) print_field("memory bandwidth", membw_line(*membw));
  if (has_roofline) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "%.1f tokens/s x %s of weights per token = %.1f GB/s, %.0f%% of the measured "
                  "bandwidth",
                  r.tg.mean, human_bytes(r.weight_bytes_per_token).c_str(), tg_gb_per_s,
                  100 * roofline);
    print_field("roofline", buf);
  }
  const std::string commit = source_commit();
  if (!commit.empty()) print_field("commit", commit);
  return 0;
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto f = std::make_shared<BenchFlags>();
  CLI::App* sub = app.add_subcommand(
      "bench", "Prompt and generation speed (as llama-bench) and the memory-bandwidth roofline");
  auto* model = sub->add_option("-m,--model", f->model,
                                "GGUF model file, or the name of one `minke pull` stored")
                    ->transform(model_path())
                    ->type_name("FILE");
  sub->add_option("-p,--n-prompt", f->n_prompt, "Prompt tokens for the pp test (0: skip it)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(0, 1 << 20));
  sub->add_option("-n,--n-gen", f->n_gen, "Generated tokens for the tg test (0: skip it)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(0, 1 << 20));
  sub->add_option("-b,--batch-size", f->n_batch, "Prompt tokens per forward call")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(1, 1 << 20));
  sub->add_option("-d,--n-depth", f->n_depth,
                  "Tokens already in the KV cache when each test starts (speed at that context)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(0, 1 << 20));
  add_threads_option(*sub, f->threads);
  sub->add_option("-r,--repetitions", f->repetitions, "Timed runs of each test (after a warm-up)")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(1, 1000));
  sub->add_flag("--json", f->json, "Print one JSON object instead of the table");
  auto* membw = sub->add_flag("--membw", f->membw_only,
                              "Only measure the memory read bandwidth (no model needed)");
  auto* no_membw =
      sub->add_flag("--no-membw", f->no_membw, "Skip the bandwidth probe (and the roofline)");
  membw->excludes(no_membw);
  sub->add_option("--membw-mib", f->membw_mib, "Bandwidth probe buffer in MiB")
      ->capture_default_str()
      ->type_name("N")
      ->check(int_in(1, 1 << 22));
  sub->callback([f, model] {
    if (!f->membw_only && model->count() == 0) {
      throw CLI::RequiredError("a model: -m FILE (or --membw)");
    }
    if (!f->membw_only && f->n_prompt == 0 && f->n_gen == 0) {
      throw CLI::ValidationError("-p/-n", "nothing to run: -p 0 and -n 0");
    }
  });
  return {sub, [f] { return run_bench_cmd(*f); }};
}

}  // namespace minke::cli
