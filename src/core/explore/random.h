#pragma once
/// A tiny seeded generator whose stream is the same on every platform and compiler
/// (std:: distributions are not), so seeded results reproduce exactly.
#include <cstdint>

namespace muse::explore {

inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/// Derives an independent seed for stream `i` of a seeded computation.
inline uint64_t mix_seed(uint64_t seed, uint64_t i) {
  uint64_t s = seed ^ (0xd1b54a32d192ed03ull * (i + 1));
  return splitmix64(s);
}

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() { return splitmix64(state_); }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [0, n).
  uint64_t below(uint64_t n) { return n ? next() % n : 0; }

 private:
  uint64_t state_;
};

}  // namespace muse::explore
