// SafetensorsCheckpoint: the tensors of a Hugging Face checkpoint directory (model.safetensors,
// or the shards model.safetensors.index.json names, or every *.safetensors file), memory-mapped
// and read without copying. Format: an 8-byte little-endian header length, a JSON header
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data.
// Every header field is validated (offsets inside the file, sizes matching dtype x shape, no
// duplicate names); a bad file throws minke::Error naming it, never reads out of bounds.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace minke {

class MappedFile;

// U8: packed bytes (gpt-oss's MXFP4 *_blocks and *_scales), read raw.
enum class SafetensorsType { F32, F16, BF16, F8_E4M3, U8 };

struct SafetensorsTensor {
  std::string name;
  SafetensorsType dtype;
  std::vector<int64_t> shape;  // row-major, outermost first (numpy order)
  std::span<const uint8_t> data;
  int64_t n_elements() const;
};

class SafetensorsCheckpoint {
 public:
  // Opens the checkpoint in `dir` (throws minke::Error).
  explicit SafetensorsCheckpoint(const std::string& dir);
  ~SafetensorsCheckpoint();

  const std::map<std::string, SafetensorsTensor>& tensors() const { return tensors_; }
  const SafetensorsTensor* find(const std::string& name) const;
  const SafetensorsTensor& get(const std::string& name) const;  // throws naming it
  uint64_t total_bytes() const;

 private:
  void add_file(const std::string& path);
  std::string dir_;
  std::vector<std::unique_ptr<MappedFile>> files_;
  std::map<std::string, SafetensorsTensor> tensors_;
};

// The elements of `t` as floats (F32, F16, BF16, FP8 E4M3 and U8 are exact in float).
void safetensors_to_f32(const SafetensorsTensor& t, std::span<float> out);
float fp8_e4m3_to_f32(uint8_t bits);

}  // namespace minke
