// SafetensorsCheckpoint: header parsing and validation, shard discovery, element decoding.
#include "convert/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "core/fp16.h"
#include "core/mapped_file.h"
#include "minke/error.h"

namespace minke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Headers of real checkpoints are a few MB (DeepSeek-V3's largest shard: ~0.2 MB); a larger
// length is a corrupt file, not a reason to allocate.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;

size_t dtype_size(SafetensorsType t) {
  switch (t) {
    case SafetensorsType::F32:
      return 4;
    case SafetensorsType::F16:
    case SafetensorsType::BF16:
      return 2;
    case SafetensorsType::F8_E4M3:
    case SafetensorsType::U8:
      return 1;
  }
  return 0;
}

SafetensorsType parse_dtype(const std::string& s, const std::string& where) {
  if (s == "F32") return SafetensorsType::F32;
  if (s == "F16") return SafetensorsType::F16;
  if (s == "BF16") return SafetensorsType::BF16;
  if (s == "F8_E4M3") return SafetensorsType::F8_E4M3;
  if (s == "U8") return SafetensorsType::U8;
  throw Error(where + " has dtype " + s +
              "; Minke converts F32, F16, BF16, F8_E4M3 (FP8) and U8 (packed MXFP4) checkpoints");
}

}  // namespace

int64_t SafetensorsTensor::n_elements() const {
  int64_t n = 1;
  for (const int64_t d : shape) n *= d;
  return n;
}

SafetensorsCheckpoint::SafetensorsCheckpoint(const std::string& dir) : dir_(dir) {
  if (!fs::is_directory(dir)) throw Error(dir + ": not a directory (a Hugging Face checkpoint)");
  std::set<std::string> shards;
  const fs::path index = fs::path(dir) / "model.safetensors.index.json";
  if (fs::exists(index)) {
    std::ifstream in(index);
    json j;
    try {
      j = json::parse(in);
    } catch (const json::exception& e) {
      throw Error(index.string() + ": " + e.what());
    }
    if (!j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw Error(index.string() + ": no weight_map object");
    }
    for (const auto& [name, file] : j["weight_map"].items()) {
      if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
        throw Error(index.string() + ": weight_map entry " + name + " does not name a shard");
      }
      shards.insert(file.get<std::string>());
    }
  } else {
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() == ".safetensors") shards.insert(entry.path().filename());
    }
  }
  if (shards.empty()) throw Error(dir + ": no *.safetensors files");
  for (const std::string& shard : shards) add_file((fs::path(dir) / shard).string());
}

SafetensorsCheckpoint::~SafetensorsCheckpoint() = default;

void SafetensorsCheckpoint::add_file(const std::string& path) {
  auto file = std::make_unique<MappedFile>(path);
  const std::span<const uint8_t> bytes = file->bytes();
  uint64_t header_len = 0;
  if (bytes.size() < 8) throw Error(path + ": too short for a safetensors file");
  std::memcpy(&header_len, bytes.data(), 8);
  if (header_len > kMaxHeaderBytes || header_len > bytes.size() - 8) {
    throw Error(path + ": header length " + std::to_string(header_len) + " does not fit the file");
  }
  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<int64_t>(header_len));
  } catch (const json::exception& e) {
    throw Error(path + ": header is not JSON: " + e.what());
  }
  if (!header.is_object()) throw Error(path + ": header is not a JSON object");
  const uint64_t data_start = 8 + header_len;
  const uint64_t data_size = bytes.size() - data_start;
  for (const auto& [name, info] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = path + ": tensor " + name;
    if (!info.is_object() || !info.contains("dtype") || !info["dtype"].is_string() ||
        !info.contains("shape") || !info["shape"].is_array() || !info.contains("data_offsets") ||
        !info["data_offsets"].is_array() || info["data_offsets"].size() != 2) {
      throw Error(where + ": needs dtype, shape and data_offsets");
    }
    SafetensorsTensor t;
    t.name = name;
    t.dtype = parse_dtype(info["dtype"].get<std::string>(), where);
    uint64_t n = 1;
    for (const json& d : info["shape"]) {
      if (!d.is_number_unsigned() || d.get<uint64_t>() > (1ull << 40) ||
          __builtin_mul_overflow(n, d.get<uint64_t>(), &n)) {
        throw Error(where + ": bad shape " + info["shape"].dump());
      }
      t.shape.push_back(d.get<int64_t>());
    }
    const json& off = info["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      throw Error(where + ": bad data_offsets");
    }
    const uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end || end > data_size || end - begin != n * dtype_size(t.dtype)) {
      throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                  ") do not hold " + std::to_string(n) + " elements inside the file");
    }
    t.data = bytes.subspan(data_start + begin, end - begin);
    if (!tensors_.emplace(name, std::move(t)).second) {
      throw Error(where + ": appears in two shards");
    }
  }
  files_.push_back(std::move(file));
}

const SafetensorsTensor* SafetensorsCheckpoint::find(const std::string& name) const {
  const auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const SafetensorsTensor& SafetensorsCheckpoint::get(const std::string& name) const {
  const SafetensorsTensor* t = find(name);
  if (t == nullptr) throw Error(dir_ + ": the checkpoint has no tensor " + name);
  return *t;
}

uint64_t SafetensorsCheckpoint::total_bytes() const {
  uint64_t n = 0;
  for (const auto& [name, t] : tensors_) n += t.data.size();
  return n;
}

float fp8_e4m3_to_f32(uint8_t bits) {
  const float sign = (bits & 0x80) != 0 ? -1.0f : 1.0f;
  const int exponent = (bits >> 3) & 0xF;
  const int mantissa = bits & 0x7;
  if (exponent == 0xF && mantissa == 0x7) return std::nanf("");  // e4m3fn has no infinity
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -9);  // subnormal
  return sign * std::ldexp(1.0f + static_cast<float>(mantissa) / 8.0f, exponent - 7);
}

void safetensors_to_f32(const SafetensorsTensor& t, std::span<float> out) {
  const size_t n = static_cast<size_t>(t.n_elements());
  if (out.size() != n)
    throw Error("safetensors: " + t.name + " needs " + std::to_string(n) + " floats");
  const uint8_t* p = t.data.data();
  for (size_t i = 0; i < n; ++i) {
    switch (t.dtype) {
      case SafetensorsType::F32:
        std::memcpy(&out[i], p + 4 * i, 4);
        break;
      case SafetensorsType::F16: {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = fp16_to_f32(h);
        break;
      }
      case SafetensorsType::BF16: {
        uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = bf16_to_f32(h);
        break;
      }
      case SafetensorsType::F8_E4M3:
        out[i] = fp8_e4m3_to_f32(p[i]);
        break;
      case SafetensorsType::U8:
        out[i] = p[i];
        break;
    }
  }
}

}  // namespace minke
