// The two per-node rules of skip-gram sampling, shared by Embed and the
// distributed trainer: word2vec's subsampling keep probability and the
// noise weight of negative sampling.
#ifndef N2V_INTERNAL_SAMPLING_RULES_H_
#define N2V_INTERNAL_SAMPLING_RULES_H_

#include <cmath>
#include <cstdint>

namespace n2v::internal {

// The probability of keeping one occurrence of a node seen `count` times
// of `total`, for word2vec's `sample` threshold (> 0).
inline float KeepProbability(uint64_t count, uint64_t total, double sample) {
  if (count == 0) return 1.0f;
  const double threshold = sample * static_cast<double>(total);
  const double c = static_cast<double>(count);
  return static_cast<float>((std::sqrt(c / threshold) + 1) * threshold / c);
}

// A node's weight in the noise law: occurrences^exponent (0 if unseen).
inline double NoiseWeight(uint64_t count, double exponent) {
  return count == 0 ? 0.0 : std::pow(static_cast<double>(count), exponent);
}

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_SAMPLING_RULES_H_
