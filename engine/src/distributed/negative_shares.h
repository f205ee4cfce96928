// NegativeShares: the global noise law across the ring's blocks. A centre
// draws its negatives from the block it is trained with, so a block would
// receive negatives in proportion to its share of the wave's centres; the
// noise law gives it its share of the noise mass (count^0.75) instead.
// Where a few hubs dominate the two differ (a hub holds more of the
// centres than of the noise mass), so each block's centres draw
// negatives scaled by the ratio of the two shares, and over a wave every
// node receives the negatives one machine would give it.
#ifndef N2V_DISTRIBUTED_NEGATIVE_SHARES_H_
#define N2V_DISTRIBUTED_NEGATIVE_SHARES_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "distributed/context_block.h"
#include "n2v/distributed/communicator.h"
#include "n2v/embed_options.h"
#include "n2v/random.h"

namespace n2v::distributed {

class NegativeShares {
 public:
  // Every block's noise mass, in rank order.
  explicit NegativeShares(std::vector<double> block_mass);
  // Collective: every rank's noise mass (`own_noise`, its rows' weights,
  // summed in row order), the same bits on every rank.
  static absl::StatusOr<NegativeShares> Agree(const Communicator& comm,
                                              std::span<const double> own_noise);

  // The negatives a centre of block `owner` draws on average, when
  // `block_centres` of the wave's `wave_centres` centres are that block's:
  // `negatives` times the block's share of the noise mass over its share
  // of the centres, at most kMaxDistributedNegativeScale times `negatives`
  // (so a wave whose few centres fall in a heavy block, a short last wave,
  // cannot give one centre thousands). Exactly `negatives` at one rank,
  // and when the noise mass is 0 or overflows.
  double Expected(uint32_t negatives, int owner, uint64_t block_centres,
                  uint64_t wave_centres) const;

 private:
  std::vector<double> mass_;
  double total_ = 0;
};

// `expected` rounded down or up at random, so that its mean is
// `expected`. A whole number draws nothing from `rng`, so one rank's
// streams stay one machine's.
uint32_t NegativeCount(double expected, Rng& rng);

// Calls `take(row)` for each negative a centre of `block` draws, on
// average `expected`; the draws come from `rng`, the centre's stream.
template <typename Take>
void ForEachNegative(const ContextBlock& block, double expected, Rng& rng, Take take) {
  const uint32_t count = NegativeCount(expected, rng);
  for (uint32_t k = 0; k < count; ++k) take(block.SampleNegative(rng));
}

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_NEGATIVE_SHARES_H_
