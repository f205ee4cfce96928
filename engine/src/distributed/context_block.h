// ContextBlock: one rank's context (output) vectors with the noise law of
// its nodes, the unit that travels around the ring in distributed
// training. It lives in one aligned buffer, with room for the largest
// block of the ring, that is sent as it is and refilled in place by the
// block arriving (Communicator::ShiftInPlace), so a rank holds one block
// and one piece in transit.
#ifndef N2V_DISTRIBUTED_CONTEXT_BLOCK_H_
#define N2V_DISTRIBUTED_CONTEXT_BLOCK_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "n2v/embeddings.h"
#include "n2v/random.h"

namespace n2v::distributed {

class ContextBlock {
 public:
  ContextBlock() = default;
  // Zero vectors for noise.size() nodes of rank `owner`, negatives drawn
  // in proportion to `noise` (uniformly when it sums to 0), with room for
  // a block of `room_rows` rows (at least noise.size()).
  ContextBlock(int owner, uint32_t stride, std::span<const double> noise,
               uint64_t room_rows);

  int owner() const;
  uint32_t rows() const;
  float* row(uint32_t r) { return vectors_ + size_t{r} * stride_; }
  // A row drawn from the block's noise law.
  uint32_t SampleNegative(Rng& rng) const;

  // The whole block, as sent.
  std::span<const char> bytes() const;
  // Its buffer, to receive the next block into; the block is left empty.
  AlignedFloats TakeStorage() &&;
  // The block that arrived in the first `size` bytes of `storage`.
  // Internal when the bytes are not a block.
  static absl::StatusOr<ContextBlock> FromBytes(AlignedFloats storage, uint64_t size);
  // Bytes a block of `rows` rows of `stride` floats takes.
  static uint64_t BytesFor(uint64_t rows, uint32_t stride);

 private:
  explicit ContextBlock(AlignedFloats storage);
  void Locate();

  AlignedFloats storage_;  // header (one 64-byte line), vectors, prob, alias
  uint32_t stride_ = 0;
  float* vectors_ = nullptr;
  const float* prob_ = nullptr;
  const uint32_t* alias_ = nullptr;
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_CONTEXT_BLOCK_H_
