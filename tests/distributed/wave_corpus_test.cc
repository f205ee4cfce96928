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
    const distributed::BlockCentres block(*kept, *slots, owner);
    for (size_t chunk = 0; chunk < block.chunks(); ++chunk) {
      block.ForEachIn(chunk, [&](const distributed::Centre& c, uint64_t) {
        const uint32_t slot = kept->slots[kept->begin[c.walk] + c.position];
        EXPECT_GE(slot, slots->first(owner));
        EXPECT_LT(slot, slots->end(owner));
        ++centres;
      });
    }
  }
  EXPECT_EQ(centres, kept->slots.size());
}

// A block's centres over many chunks: in walk order, numbered 0, 1, ...
// across the chunks, whichever chunk is visited first, and as many as the
// block's nodes in the wave, also when one block holds nearly all of them.
TEST(WaveCorpusTest, BlockCentresAreNumberedInWalkOrderAcrossChunks) {
  const Communicator comm = Communicator::World();
  auto slots = RowSlots::Agree(comm, RowsOf(comm.rank()));
  ASSERT_TRUE(slots.ok()) << slots.status();
  // 500 walks of 7 nodes; every third node is rank 0's row 0 (a hub).
  KeptWalks kept;
  const uint32_t all = slots->end(comm.size() - 1);
  for (uint32_t w = 0; w < 500; ++w) {
    for (uint32_t i = 0; i < 7; ++i) {
      kept.slots.push_back((w * 7 + i) % 3 == 0 ? 0 : (w * 5 + i * 3) % all);
    }
    kept.begin.push_back(kept.slots.size());
  }
  for (int owner = 0; owner < comm.size(); ++owner) {
    std::vector<distributed::Centre> expected;
    for (uint32_t w = 0; w < 500; ++w) {
      for (uint32_t i = 0; i < 7; ++i) {
        const uint32_t slot = kept.slots[w * 7 + i];
        if (slot >= slots->first(owner) && slot < slots->end(owner)) expected.push_back({w, i});
      }
    }
    const distributed::BlockCentres block(kept, *slots, owner);
    EXPECT_EQ(block.size(), expected.size()) << "block " << owner;
    EXPECT_GE(block.chunks(), expected.size() / distributed::BlockCentres::kCentresPerChunk);
    std::vector<int> seen(expected.size(), 0);
    // Last chunk first: numbers do not depend on the order of visits.
    for (size_t chunk = block.chunks(); chunk-- > 0;) {
      block.ForEachIn(chunk, [&](const distributed::Centre& c, uint64_t number) {
        ASSERT_LT(number, expected.size());
        EXPECT_EQ(c.walk, expected[number].walk) << "centre " << number;
        EXPECT_EQ(c.position, expected[number].position) << "centre " << number;
        ++seen[number];
      });
    }
    for (size_t n = 0; n < seen.size(); ++n) EXPECT_EQ(seen[n], 1) << "centre " << n;
  }
}

}  // namespace
}  // namespace n2v::testing
