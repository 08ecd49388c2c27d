// GgufFile: opening (mmap + validating parse) and key/tensor lookups.
#include "gguf/gguf_file.h"

#include "core/mapped_file.h"
#include "gguf/gguf_parser.h"
#include "minke/error.h"

namespace minke {

GgufFile::~GgufFile() = default;

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = path;
  f->file_ = std::make_unique<MappedFile>(path);
  f->bytes_ = f->file_->bytes();
  parse_gguf_into(*f, f->bytes_);
  return f;
}

std::unique_ptr<GgufFile> GgufFile::parse(std::span<const uint8_t> bytes, const std::string& name) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = name;
  f->bytes_ = bytes;
  parse_gguf_into(*f, f->bytes_);
  return f;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  const auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second];
}

const GgufValue& GgufFile::get(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) throw Error(path_ + ": missing key " + std::string(key));
  return *v;
}

std::string_view GgufFile::get_string(std::string_view key, std::string_view fallback) const {
  const GgufValue* v = find(key);
  return v == nullptr ? fallback : v->as_string();
}

uint64_t GgufFile::get_u64(std::string_view key, uint64_t fallback) const {
  const GgufValue* v = find(key);
  return v == nullptr ? fallback : v->as_u64();
}

uint32_t GgufFile::get_u32(std::string_view key, uint32_t fallback) const {
  const GgufValue* v = find(key);
  return v == nullptr ? fallback : v->as_u32();
}

float GgufFile::get_f32(std::string_view key, float fallback) const {
  const GgufValue* v = find(key);
  return v == nullptr ? fallback : v->as_f32();
}

bool GgufFile::get_bool(std::string_view key, bool fallback) const {
  const GgufValue* v = find(key);
  return v == nullptr ? fallback : v->as_bool();
}

const GgufTensor* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void GgufFile::release_pages(const void* p, size_t n) const {
  if (file_ != nullptr) file_->release(p, n);
}

}  // namespace minke
