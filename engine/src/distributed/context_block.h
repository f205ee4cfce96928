// ContextBlock: one rank's context (output) vectors with the noise law of
// its nodes, the unit that travels around the ring in distributed
// training.
#ifndef N2V_DISTRIBUTED_CONTEXT_BLOCK_H_
#define N2V_DISTRIBUTED_CONTEXT_BLOCK_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"

namespace n2v::distributed {

class ContextBlock {
 public:
  ContextBlock() = default;
  // Zero vectors for `rows` nodes of rank `owner`, negatives drawn in
  // proportion to `noise` (uniformly when it sums to 0).
  ContextBlock(int owner, uint32_t stride, std::span<const double> noise);

  int owner() const { return owner_; }
  uint32_t rows() const { return rows_; }
  float* row(uint32_t r) { return vectors_.data() + size_t{r} * stride_; }
  // A row drawn from the block's noise law.
  uint32_t SampleNegative(Rng& rng) const;
  uint64_t MemoryBytes() const;

  // The block as bytes, and back (the same binary on every rank).
  std::string Serialize() const;
  static absl::StatusOr<ContextBlock> Parse(std::string_view bytes);

 private:
  int owner_ = 0;
  uint32_t rows_ = 0;
  uint32_t stride_ = 0;
  AlignedFloats vectors_;
  std::vector<float> prob_;
  std::vector<uint32_t> alias_;
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_CONTEXT_BLOCK_H_
