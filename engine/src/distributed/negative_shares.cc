// NegativeShares: agreeing the blocks' noise masses, and each block's
// negatives per centre.
#include "distributed/negative_shares.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "n2v/status_macros.h"

namespace n2v::distributed {

NegativeShares::NegativeShares(std::vector<double> block_mass)
    : mass_(std::move(block_mass)) {
  for (double m : mass_) total_ += m;
}

absl::StatusOr<NegativeShares> NegativeShares::Agree(const Communicator& comm,
                                                     std::span<const double> own_noise) {
  double own = 0;
  for (double w : own_noise) own += w;
  std::string mine, all;
  AppendPod(mine, own);
  std::vector<size_t> offsets;
  N2V_RETURN_IF_ERROR(comm.AllGather(mine, &all, &offsets));
  std::vector<double> mass = ReadPods<double>(all);
  if (mass.size() != static_cast<size_t>(comm.size())) {
    return absl::InternalError("noise masses: one value per rank expected");
  }
  return NegativeShares(std::move(mass));
}

double NegativeShares::Expected(uint32_t negatives, int owner, uint64_t block_centres,
                                uint64_t wave_centres) const {
  // One block, no noise mass, or one too large for a double (an extreme
  // negative_exponent): each block keeps its own share.
  if (mass_.size() <= 1 || !(total_ > 0) || !std::isfinite(total_) || block_centres == 0) {
    return negatives;
  }
  const double mass_share = mass_[owner] / total_;
  const double centre_share =
      static_cast<double>(block_centres) / static_cast<double>(wave_centres);
  return negatives * std::min(kMaxDistributedNegativeScale, mass_share / centre_share);
}

uint32_t NegativeCount(double expected, Rng& rng) {
  const double whole = std::floor(expected);
  const auto count = static_cast<uint32_t>(whole);
  if (whole == expected) return count;
  return count + (rng.Uniform() < expected - whole ? 1 : 0);
}

}  // namespace n2v::distributed
