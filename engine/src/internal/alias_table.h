// Alias tables (Walker 1977, Vose 1991): O(1) draws from a fixed discrete
// distribution after O(n) construction.
#ifndef N2V_INTERNAL_ALIAS_TABLE_H_
#define N2V_INTERNAL_ALIAS_TABLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "n2v/random.h"

namespace n2v::internal {

// Reusable scratch space for BuildAlias.
struct AliasScratch {
  std::vector<double> scaled;
  std::vector<uint32_t> small, large;
};

// Fills prob/alias (each weights.size() long) so that drawing i uniformly
// and keeping it with probability prob[i], else taking alias[i], yields i
// with probability weights[i] / sum(weights). Weights must be >= 0 with a
// positive sum.
template <typename Weight>
void BuildAlias(std::span<const Weight> weights, float* prob, uint32_t* alias,
                AliasScratch& scratch) {
  const size_t n = weights.size();
  double sum = 0;
  for (Weight w : weights) sum += static_cast<double>(w);
  scratch.scaled.resize(n);
  scratch.small.clear();
  scratch.large.clear();
  for (size_t i = 0; i < n; ++i) {
    scratch.scaled[i] = static_cast<double>(weights[i]) * n / sum;
    (scratch.scaled[i] < 1.0 ? scratch.small : scratch.large)
        .push_back(static_cast<uint32_t>(i));
  }
  while (!scratch.small.empty() && !scratch.large.empty()) {
    const uint32_t s = scratch.small.back();
    scratch.small.pop_back();
    const uint32_t l = scratch.large.back();
    prob[s] = static_cast<float>(scratch.scaled[s]);
    alias[s] = l;
    scratch.scaled[l] = (scratch.scaled[l] + scratch.scaled[s]) - 1.0;
    if (scratch.scaled[l] < 1.0) {
      scratch.large.pop_back();
      scratch.small.push_back(l);
    }
  }
  // What is left has probability 1 up to rounding.
  for (uint32_t i : scratch.large) {
    prob[i] = 1.0f;
    alias[i] = i;
  }
  for (uint32_t i : scratch.small) {
    prob[i] = 1.0f;
    alias[i] = i;
  }
}

// Whether a drawn column keeps its own index (else it takes its alias):
// with probability `prob` exactly, from 53 random bits. (24 bits kept a
// column with probability ceil(prob * 2^24) / 2^24, so an arc of weight
// 1e-9 beside one of weight 1 was drawn about 30 times too often.)
inline bool KeepsColumn(Rng& rng, float prob) {
  return rng.Uniform() < static_cast<double>(prob);
}

// Draws an index from a table built by BuildAlias over n entries.
inline uint32_t SampleAlias(const float* prob, const uint32_t* alias,
                            uint32_t n, Rng& rng) {
  const uint32_t i = rng.Below(n);
  return KeepsColumn(rng, prob[i]) ? i : alias[i];
}

// A whole distribution with its tables.
class AliasTable {
 public:
  AliasTable() = default;
  template <typename Weight>
  explicit AliasTable(std::span<const Weight> weights)
      : prob_(weights.size()), alias_(weights.size()) {
    AliasScratch scratch;
    BuildAlias(weights, prob_.data(), alias_.data(), scratch);
  }
  uint32_t Sample(Rng& rng) const {
    return SampleAlias(prob_.data(), alias_.data(),
                       static_cast<uint32_t>(prob_.size()), rng);
  }
  size_t MemoryBytes() const {
    return prob_.capacity() * sizeof(float) + alias_.capacity() * sizeof(uint32_t);
  }

 private:
  std::vector<float> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_ALIAS_TABLE_H_
