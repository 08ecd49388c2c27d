// Loading helpers for the quant golden fixtures in tests/golden/data/quant/ (written by
// scripts/make_golden_quant.py): the manifest, raw byte files, and float bit comparison.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gguf/ggml_type.h"
#include "support/test_paths.h"

namespace minke::testing {

inline std::filesystem::path quant_fixture_dir() { return golden_dir() / "quant"; }

inline std::vector<uint8_t> read_bytes(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  EXPECT_TRUE(f.good()) << p << " is missing: run scripts/make_golden_quant.py";
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline std::vector<float> read_floats(const std::filesystem::path& p) {
  const std::vector<uint8_t> bytes = read_bytes(p);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
  return out;
}

inline nlohmann::json quant_manifest() {
  std::ifstream f(quant_fixture_dir() / "manifest.json");
  EXPECT_TRUE(f.good()) << "quant manifest missing";
  return nlohmann::json::parse(f);
}

// The GgmlType whose printed name is `name` (the fixture files are named by type).
inline std::optional<GgmlType> type_from_name(const std::string& name) {
  for (uint32_t id = 0; id < 64; ++id) {
    if (auto info = ggml_type_info(id); info && info->name == name) return info->type;
  }
  return std::nullopt;
}

// Bitwise equality, except that any NaN equals any NaN (payloads may differ).
inline bool same_float_bits(float a, float b) {
  if (a != a && b != b) return true;
  return std::bit_cast<uint32_t>(a) == std::bit_cast<uint32_t>(b);
}

}  // namespace minke::testing
