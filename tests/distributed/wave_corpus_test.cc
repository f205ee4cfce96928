// The wave corpus: every rank's rows numbered once (RowSlots), a rank's
// walks subsampled and shared with every rank by slot, and each block's
// centres found from the slots, at any rank count.
#include "distributed/wave_corpus.h"

#include <cstdint>
#include <string_view>

#include "distributed_test_util.h"
#include "test_util.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::DistributedWalkBlock;
using distributed::KeptWalks;
using distributed::RowSlots;

// Rank r owns r + 2 rows.
uint64_t RowsOf(int rank) { return static_cast<uint64_t>(rank) + 2; }

TEST(WaveCorpusTest, SlotsNumberEveryRanksRowsInRankOrder) {
  const Communicator comm = Communicator::World();
  auto slots = RowSlots::Agree(comm, RowsOf(comm.rank()));
  ASSERT_TRUE(slots.ok()) << slots.status();
  uint64_t first = 0;
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_EQ(slots->first(r), first) << "rank " << r;
    first += RowsOf(r);
    EXPECT_EQ(slots->end(r), first) << "rank " << r;
    EXPECT_EQ(slots->SlotOf(r, 1), slots->first(r) + 1);
  }
}

TEST(WaveCorpusTest, MoreRowsThan32BitsIsRefusedOnEveryRank) {
  const Communicator comm = Communicator::World();
  const uint64_t rows = uint64_t{UINT32_MAX} / comm.size() + 1;
  auto slots = RowSlots::Agree(comm, rows);
  ASSERT_FALSE(slots.ok());
  EXPECT_EQ(slots.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(slots.status().message().find("32 bits"), std::string_view::npos)
      << slots.status();
}

// Two walks starting here: rank r's nodes alternate owners along the ring.
DistributedWalkBlock TwoWalks(int rank, int ranks) {
  DistributedWalkBlock block;
  block.lengths = {3, 2};
  for (uint32_t i = 0; i < 5; ++i) {
    block.owners.push_back((rank + static_cast<int>(i)) % ranks);
    block.rows.push_back(i % 2);
    block.keep.push_back(1.0f);
  }
  return block;
}

TEST(WaveCorpusTest, SharedWalksNameEachNodeByItsSlotAndCentresByBlock) {
  const Communicator comm = Communicator::World();
  const int ranks = comm.size();
  auto slots = RowSlots::Agree(comm, RowsOf(comm.rank()));
  ASSERT_TRUE(slots.ok()) << slots.status();
  KeptWalks own = distributed::SubsampleOwn(TwoWalks(comm.rank(), ranks), *slots,
                                            comm.rank(), 7, 0, /*subsample=*/true);
  auto kept = distributed::ShareKept(comm, std::move(own));
  ASSERT_TRUE(kept.ok()) << kept.status();
  ASSERT_EQ(kept->begin.size(), 2 * size_t(ranks) + 1);
  ASSERT_EQ(kept->slots.size(), 5 * size_t(ranks));
  // Every rank's walks, in rank order, every node kept (keep 1).
  for (int r = 0; r < ranks; ++r) {
    const DistributedWalkBlock walks = TwoWalks(r, ranks);
    for (uint32_t i = 0; i < 5; ++i) {
      EXPECT_EQ(kept->slots[5 * r + i], slots->SlotOf(walks.owners[i], walks.rows[i]))
          << "rank " << r << " node " << i;
    }
  }
  // Each node is the centre of exactly one block: its owner's.
  size_t centres = 0;
  for (int owner = 0; owner < ranks; ++owner) {
    for (const distributed::Centre& c : distributed::CentresOf(*kept, *slots, owner)) {
      const uint32_t slot = kept->slots[kept->begin[c.walk] + c.position];
      EXPECT_GE(slot, slots->first(owner));
      EXPECT_LT(slot, slots->end(owner));
      ++centres;
    }
  }
  EXPECT_EQ(centres, kept->slots.size());
}

}  // namespace
}  // namespace n2v::testing
