// MappedFile: a whole file mapped read-only into memory (zero-copy model loading).
// Opening fails with minke::Error naming the file and the system's reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace minke {

class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const std::string& path() const { return path_; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // Tells the kernel this process no longer needs the whole pages inside [p, p + n) (a weight
  // the backend copied into its own layout): they leave the resident set and are read from the
  // file again if touched. The bytes seen through data() do not change.
  void release(const void* p, size_t n) const;

 private:
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace minke
