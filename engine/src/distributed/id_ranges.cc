// PlanIdRanges: histograms of ids over their span, refined where one
// bucket holds more than a range, then cut into ranges.
#include "distributed/id_ranges.h"

#include <algorithm>
#include <span>

#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Buckets of each histogram.
constexpr int kIdBuckets = 4096;

using Wide = unsigned __int128;

uint64_t OrderKey(int64_t id) {
  return static_cast<uint64_t>(id) ^ (uint64_t{1} << 63);
}

// A run of keys [lo, hi] and how many ids over all ranks fall in it.
struct Cell {
  uint64_t lo = 0, hi = 0;
  uint64_t count = 0;
  bool refine = false;  // holds more than a range and more than one key
};

// The first key of bucket `b` (0..kIdBuckets) of `cell`'s keys: bucket b
// holds the keys k with floor((k - lo) * kIdBuckets / width) == b.
Wide BucketStart(const Cell& cell, int b) {
  const Wide width = static_cast<Wide>(cell.hi - cell.lo) + 1;
  return cell.lo + (static_cast<Wide>(b) * width + kIdBuckets - 1) / kIdBuckets;
}

// This rank's ids in each bucket of each cell to refine, in order.
std::vector<uint64_t> CountInBuckets(const std::vector<Cell>& cells,
                                     const std::vector<uint64_t>& keys) {
  std::vector<uint64_t> counts;
  for (const Cell& cell : cells) {
    if (!cell.refine) continue;
    const size_t at = counts.size();
    counts.resize(at + kIdBuckets, 0);
    const Wide width = static_cast<Wide>(cell.hi - cell.lo) + 1;
    auto first = std::lower_bound(keys.begin(), keys.end(), cell.lo);
    for (auto k = first; k != keys.end() && *k <= cell.hi; ++k) {
      ++counts[at + static_cast<size_t>(static_cast<Wide>(*k - cell.lo) * kIdBuckets / width)];
    }
  }
  return counts;
}

// `cells` with each one to refine replaced by its non-empty buckets, given
// every rank's counts in them.
std::vector<Cell> Refine(const std::vector<Cell>& cells, const std::vector<uint64_t>& counts,
                         uint64_t most) {
  std::vector<Cell> out;
  size_t at = 0;
  for (const Cell& cell : cells) {
    if (!cell.refine) {
      out.push_back(cell);
      continue;
    }
    for (int b = 0; b < kIdBuckets; ++b, ++at) {
      const Wide start = BucketStart(cell, b), end = BucketStart(cell, b + 1);
      if (counts[at] == 0 || start >= end) continue;
      const Cell bucket{.lo = static_cast<uint64_t>(start),
                        .hi = static_cast<uint64_t>(end - 1),
                        .count = counts[at]};
      out.push_back(bucket);
      out.back().refine = bucket.count > most && bucket.hi > bucket.lo;
    }
  }
  return out;
}

// The first key of each range but the first: a range ends before a cell
// that would take it past `most`.
std::vector<uint64_t> CutKeys(const std::vector<Cell>& cells, uint64_t most) {
  std::vector<uint64_t> cuts;
  uint64_t in_range = 0;
  for (const Cell& cell : cells) {
    if (in_range > 0 && in_range + cell.count > most) {
      cuts.push_back(cell.lo);
      in_range = 0;
    }
    in_range += cell.count;
  }
  return cuts;
}

}  // namespace

absl::StatusOr<std::vector<size_t>> PlanIdRanges(const Communicator& comm,
                                                 const std::vector<int64_t>& ids,
                                                 uint64_t per_range) {
  std::vector<uint64_t> keys(ids.size());
  std::transform(ids.begin(), ids.end(), keys.begin(), OrderKey);
  std::vector<uint64_t> span = {0, 0};  // max key, max inverted key
  if (!keys.empty()) span = {keys.back(), ~keys.front()};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(span)));
  const uint64_t hi = span[0], lo = ~span[1];
  if (lo > hi) return std::vector<size_t>{0};  // no rank has an id
  const uint64_t most = std::max<uint64_t>(per_range, 1);
  // Each pass splits a heavy cell 4096 ways, so 64-bit keys take at most
  // six; every rank sees the same sums, so all make the same passes.
  std::vector<Cell> cells = {{.lo = lo, .hi = hi, .refine = true}};
  while (std::any_of(cells.begin(), cells.end(), [](const Cell& c) { return c.refine; })) {
    std::vector<uint64_t> counts = CountInBuckets(cells, keys);
    N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(counts)));
    cells = Refine(cells, counts, most);
  }
  std::vector<size_t> slice_ends;
  size_t k = 0;
  for (uint64_t cut : CutKeys(cells, most)) {
    while (k < keys.size() && keys[k] < cut) ++k;
    slice_ends.push_back(k);
  }
  slice_ends.push_back(keys.size());
  return slice_ends;
}

}  // namespace n2v::distributed
