// Rng: the sampler's pseudo-random generator, xoshiro256** 1.0 seeded through splitmix64
// (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2018). Every output and
// every derived uniform is defined bit for bit here, so a seed gives the same stream everywhere.
#pragma once

#include <cstdint>

namespace minke {

// splitmix64 (Steele, Lea & Flood 2014; constants as in Vigna's reference splitmix64.c): turns one
// 64-bit seed into a well-mixed sequence; used only to fill xoshiro's 256-bit state, which the
// xoshiro authors recommend so that similar seeds still give unrelated streams.
inline uint64_t splitmix64_next(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) { reseed(seed); }

  // State words are the first four splitmix64 outputs of `seed`; never all zero (splitmix64 is a
  // bijection of its counter, so four consecutive outputs cannot all be 0).
  void reseed(uint64_t seed) {
    uint64_t sm = seed;
    for (uint64_t& word : s_) word = splitmix64_next(sm);
  }

  // Sets the raw state (must not be all zero); lets tests check the published reference outputs.
  void set_state(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
    s_[0] = s0;
    s_[1] = s1;
    s_[2] = s2;
    s_[3] = s3;
  }

  // xoshiro256**: next 64 random bits.
  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform double in [0, 1): the top 53 bits of one draw times 2^-53, so every value is an exact
  // multiple of 2^-53 (no rounding, no platform-dependent distribution object).
  double next_double() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform float in [0, 1): the top 24 bits of one draw times 2^-24.
  float next_float() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace minke
