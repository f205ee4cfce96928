// PlanIdRanges: a histogram of ids over their span, cut into ranges.
#include "distributed/id_ranges.h"

#include <algorithm>
#include <span>

#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Buckets of the id histogram.
constexpr int kIdBuckets = 4096;

uint64_t OrderKey(int64_t id) {
  return static_cast<uint64_t>(id) ^ (uint64_t{1} << 63);
}

// The bucket of `key` among kIdBuckets over [lo, hi].
int BucketOf(uint64_t key, uint64_t lo, uint64_t hi) {
  const unsigned __int128 span = static_cast<unsigned __int128>(hi - lo) + 1;
  return static_cast<int>(static_cast<unsigned __int128>(key - lo) * kIdBuckets / span);
}

}  // namespace

absl::StatusOr<std::vector<size_t>> PlanIdRanges(const Communicator& comm,
                                                 const std::vector<int64_t>& ids,
                                                 uint64_t per_range) {
  std::vector<uint64_t> span = {0, 0};  // max key, max inverted key
  if (!ids.empty()) span = {OrderKey(ids.back()), ~OrderKey(ids.front())};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(span)));
  const uint64_t hi = span[0], lo = ~span[1];
  std::vector<uint64_t> histogram(kIdBuckets, 0);
  for (int64_t id : ids) ++histogram[BucketOf(OrderKey(id), lo, hi)];
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(histogram)));
  const uint64_t most = std::max<uint64_t>(per_range, 1);
  std::vector<int> bucket_ends;  // each range's last bucket + 1
  uint64_t in_range = 0;
  for (int b = 0; b < kIdBuckets; ++b) {
    if (in_range > 0 && in_range + histogram[b] > most) {
      bucket_ends.push_back(b);
      in_range = 0;
    }
    in_range += histogram[b];
  }
  bucket_ends.push_back(kIdBuckets);
  std::vector<size_t> slice_ends;
  size_t k = 0;
  for (int end : bucket_ends) {
    while (k < ids.size() && BucketOf(OrderKey(ids[k]), lo, hi) < end) ++k;
    slice_ends.push_back(k);
  }
  return slice_ends;
}

}  // namespace n2v::distributed
