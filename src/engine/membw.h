// A STREAM-like read-bandwidth probe: the limit token generation runs into on a CPU, where every
// weight is read once per token (tokens/s <= bandwidth / bytes read per token).
#pragma once

#include <cstdint>

namespace minke {

struct MembwOptions {
  int32_t threads = 1;                        // readers, each over its own contiguous slice
  uint64_t buffer_bytes = uint64_t{1} << 30;  // well above any L3, so the reads come from DRAM
  int32_t passes = 20;                        // timed passes over the whole buffer; best is kept
};

struct MembwResult {
  double gb_per_s = 0;  // buffer_bytes / (fastest pass), 1e9 bytes per GB
  double best_s = 0;    // the fastest pass
  uint64_t buffer_bytes = 0;
  int32_t threads = 0;
  int32_t passes = 0;
};

// Fills the buffer (each thread touches the pages it will read), then times `passes` reads of
// it by all threads at once. Throws minke::Error when the buffer cannot be allocated.
MembwResult measure_read_bandwidth(const MembwOptions& options);

}  // namespace minke
