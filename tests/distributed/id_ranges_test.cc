// PlanIdRanges: every rank gets the same number of ranges, which cover its
// ids in order; no range holds more than asked over all ranks, even when a
// few ids lie far from the rest (one id at 2^40 beside 0..N, or the ends
// of the int64 range), and a rank with no ids takes part.
#include "distributed/id_ranges.h"

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

#include "gtest/gtest.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::PlanIdRanges;

// Ids over all ranks in each range, checked to cover `ids` in order.
std::vector<uint64_t> IdsPerRange(const Communicator& comm, const std::vector<int64_t>& ids,
                                  uint64_t per_range) {
  absl::StatusOr<std::vector<size_t>> ends = PlanIdRanges(comm, ids, per_range);
  EXPECT_TRUE(ends.ok()) << ends.status();
  if (!ends.ok()) return {};
  EXPECT_EQ(ends->back(), ids.size());
  std::vector<uint64_t> sizes(1, ends->size());
  EXPECT_TRUE(comm.MaxAll(std::span<uint64_t>(sizes)).ok());
  EXPECT_EQ(sizes[0], ends->size()) << "every rank plans as many ranges";
  std::vector<uint64_t> per(ends->size());
  size_t begin = 0;
  for (size_t r = 0; r < ends->size(); ++r) {
    EXPECT_LE(begin, (*ends)[r]);
    per[r] = (*ends)[r] - begin;
    begin = (*ends)[r];
  }
  EXPECT_TRUE(comm.SumAll(std::span<uint64_t>(per)).ok());
  return per;
}

// Ids dealt round the ranks: id i to rank i % P, ascending on each.
std::vector<int64_t> Dealt(const Communicator& comm, const std::vector<int64_t>& all) {
  std::vector<int64_t> mine;
  for (size_t i = 0; i < all.size(); ++i) {
    if (static_cast<int>(i % comm.size()) == comm.rank()) mine.push_back(all[i]);
  }
  return mine;
}

TEST(IdRangesTest, OneFarIdDoesNotMergeTheRestIntoOneRange) {
  const Communicator comm = Communicator::World();
  std::vector<int64_t> all;
  for (int64_t id = 0; id < 20000; ++id) all.push_back(id);
  all.push_back(int64_t{1} << 40);
  const std::vector<uint64_t> per = IdsPerRange(comm, Dealt(comm, all), 100);
  uint64_t total = 0;
  for (uint64_t n : per) {
    EXPECT_GT(n, 0u);
    EXPECT_LE(n, 100u);
    total += n;
  }
  EXPECT_EQ(total, all.size());
  // Ranges stay near full: a one-histogram plan gave one range of 20,000.
  EXPECT_LE(per.size(), 2 * all.size() / 100 + 1);
}

TEST(IdRangesTest, TheEndsOfTheIdRangeCutOneIdAtATime) {
  const Communicator comm = Communicator::World();
  const std::vector<int64_t> all = {std::numeric_limits<int64_t>::min(), -1, 0, 1,
                                    std::numeric_limits<int64_t>::max() - 1,
                                    std::numeric_limits<int64_t>::max()};
  const std::vector<uint64_t> per = IdsPerRange(comm, Dealt(comm, all), 1);
  EXPECT_EQ(per, std::vector<uint64_t>(all.size(), 1));
}

TEST(IdRangesTest, NoIdsAnywhereIsOneEmptyRange) {
  const Communicator comm = Communicator::World();
  EXPECT_EQ(IdsPerRange(comm, {}, 10), std::vector<uint64_t>{0});
}

}  // namespace
}  // namespace n2v::testing
