// Ranges of node ids for work done a piece at a time by every rank
// together (waves of walks, pieces of output): each range holds about the
// same number of ids over all ranks, found from a histogram of the ids
// over their span, with the buckets that hold more than a range
// histogrammed again, so skewed ids (a few far from the rest) still cut
// evenly.
#ifndef N2V_DISTRIBUTED_ID_RANGES_H_
#define N2V_DISTRIBUTED_ID_RANGES_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"

namespace n2v::distributed {

// Collective. `ids` are this rank's, ascending. Returns, for each range in
// ascending id order (the same count on every rank, at least one), the end
// of its slice of `ids`; a range holds at most `per_range` ids over all
// ranks (more only when one id alone is held that many times), and about
// as many.
absl::StatusOr<std::vector<size_t>> PlanIdRanges(const Communicator& comm,
                                                 const std::vector<int64_t>& ids,
                                                 uint64_t per_range);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_ID_RANGES_H_
