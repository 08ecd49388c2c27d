// Structured-output costs, measured in isolation: JSON Schema -> grammar compile times over the
// conformance schemas, and per-step token-mask costs on a real vocabulary (49k SmolLM2, 151k
// Qwen2.5): the vocabulary walk for a whole mask (what a step pays when the sampler's shortcut
// fails and the state is new), the one-token check the shortcut uses, and the table build.
//   build/minke_grammar_bench [SCHEMA_DIR ...]   (default: tests/conformance/handmade and
//                                                 models/schema-corpus/schemas)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "gguf/gguf_file.h"
#include "grammar/grammar.h"
#include "grammar/grammar_constraint.h"
#include "grammar/json_schema.h"
#include "grammar/token_table.h"
#include "minke/error.h"
#include "tokenizer/tokenizer.h"

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::string read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void compile_times(const std::vector<std::string>& dirs) {
  std::vector<double> times;
  int refused = 0;
  std::string slowest;
  double slowest_ms = 0;
  for (const std::string& dir : dirs) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() != ".json" || e.path().filename() == "SOURCES.json") continue;
      const auto schema = nlohmann::ordered_json::parse(read(e.path()), nullptr, false);
      if (schema.is_discarded()) continue;
      std::vector<double> runs;
      try {
        for (int r = 0; r < 5; ++r) {
          const auto t = Clock::now();
          minke::compile_gbnf(minke::json_schema_to_gbnf(schema));
          runs.push_back(ms_since(t));
        }
      } catch (const minke::Error&) {
        ++refused;
        continue;
      }
      const double ms = percentile(runs, 0.5);
      times.push_back(ms);
      if (ms > slowest_ms) slowest_ms = ms, slowest = e.path().filename().string();
    }
  }
  std::printf(
      "schema compile (JSON Schema -> GBNF -> grammar), %zu schemas compiled, %d refused:\n"
      "  median %.2f ms, p90 %.2f ms, max %.2f ms (%s)\n",
      times.size(), refused, percentile(times, 0.5), percentile(times, 0.9), slowest_ms,
      slowest.c_str());
}

const char* kSchema = R"({"type":"object","properties":{
  "title":{"type":"string"},"year":{"type":"integer","minimum":1900,"maximum":2100},
  "rating":{"type":"number"},"genre":{"enum":["drama","comedy","thriller"]},
  "cast":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string"},
  "role":{"type":"string"}},"required":["name","role"]},"maxItems":6},"summary":{"type":"string"}},
  "required":["title","year","rating","genre","cast","summary"],"additionalProperties":false})";

const char* kDocument =
    R"({"title": "The Long Night", "year": 1987, "rating": 7.5, "genre": "drama", "cast": [{"name": "Ana Lima", "role": "Marta"}, {"name": "Joe Park", "role": "the lighthouse keeper"}], "summary": "A storm traps three strangers in a lighthouse, where old secrets come out."})";

void mask_costs(const std::string& model) {
  if (!fs::exists(model)) {
    std::printf("%s: missing (scripts/fetch-models.sh)\n", model.c_str());
    return;
  }
  const auto gguf = minke::GgufFile::open(model);
  const auto tokenizer = minke::Tokenizer::from_gguf(*gguf);
  auto t = Clock::now();
  const auto table = minke::TokenTable::from_tokenizer(*tokenizer);
  const double table_ms = ms_since(t);
  const auto grammar =
      minke::compile_gbnf(minke::json_schema_to_gbnf(nlohmann::ordered_json::parse(kSchema)));
  const std::vector<int32_t> ids = tokenizer->encode(kDocument, {.add_special = false});
  std::vector<double> full, one;
  for (size_t i = 0; i < ids.size(); ++i) {
    minke::GrammarConstraint c(grammar, table);
    for (size_t j = 0; j < i; ++j) c.accept(ids[j]);
    t = Clock::now();
    c.allowed_bits();  // a new constraint: nothing cached
    full.push_back(ms_since(t));
    t = Clock::now();
    for (int r = 0; r < 100; ++r) (void)c.allows(ids[i]);
    one.push_back(ms_since(t) * 10.0);  // microseconds per check
  }
  std::printf(
      "%s: %d tokens; table build %.1f ms; %zu steps of a %zu-byte document:\n"
      "  whole mask (vocabulary walk): median %.3f ms, p90 %.3f ms, max %.3f ms\n"
      "  one-token check: median %.2f us, max %.2f us\n",
      fs::path(model).filename().c_str(), table->n_vocab(), table_ms, ids.size(),
      std::string(kDocument).size(), percentile(full, 0.5), percentile(full, 0.9),
      percentile(full, 1.0), percentile(one, 0.5), percentile(one, 1.0));
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) dirs.emplace_back(argv[i]);
  if (dirs.empty()) dirs = {"tests/conformance/handmade", "models/schema-corpus/schemas"};
  compile_times(dirs);
  mask_costs("models/SmolLM2-135M-Instruct.Q4_1.gguf");
  mask_costs("models/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf");
  return 0;
}
