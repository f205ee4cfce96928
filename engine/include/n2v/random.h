// Seedable pseudo-random numbers for walks and training.
//
// Every unit of work (a walk, a shard, a row initialisation) owns one Rng
// seeded from the user's seed and the unit's id, so results never depend on
// which thread ran what. The generator is xoshiro256** (Blackman & Vigna),
// seeded through SplitMix64: 32 bytes of state, cheap to create per walk,
// and identical on every platform (unlike std:: distributions, whose output
// is implementation-defined).
#ifndef N2V_RANDOM_H_
#define N2V_RANDOM_H_

#include <array>
#include <cstdint>

namespace n2v {

// Mixes a 64-bit value (SplitMix64 finaliser). Bijective.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Derives an independent seed for unit `id` of stream `stream`.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t stream, uint64_t id) {
  return Mix64(Mix64(seed ^ Mix64(stream)) + id);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t& word : s_) {
      x += 0x9e3779b97f4a7c15ULL;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
      word = z ^ (z >> 31);
    }
  }

  // The whole state, to carry a stream to another process and resume it
  // there with FromState.
  using State = std::array<uint64_t, 4>;
  State state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  static Rng FromState(const State& state) {
    Rng rng(0);
    for (int i = 0; i < 4; ++i) rng.s_[i] = state[i];
    return rng;
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Uniform in [0, 1) with 24 random bits.
  float UniformFloat() {
    return static_cast<float>(Next() >> 40) * 0x1.0p-24f;
  }

  // Exactly uniform integer in [0, n), n > 0 (Lemire's nearly divisionless
  // method with rejection, so there is no modulo bias).
  uint32_t Below(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(static_cast<uint32_t>(Next() >> 32)) * n;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
      const uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<uint64_t>(static_cast<uint32_t>(Next() >> 32)) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace n2v

#endif  // N2V_RANDOM_H_
