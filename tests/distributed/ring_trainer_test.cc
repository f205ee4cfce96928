// RingTrainer: a cancel raised on one rank ends a wave after the step
// under way, Cancelled on every rank, and that rank trains nothing more;
// without one the wave trains every block.
#include "distributed/ring_trainer.h"

#include <atomic>
#include <vector>

#include "distributed/negative_shares.h"
#include "distributed/wave_corpus.h"
#include "gtest/gtest.h"
#include "n2v/distributed/communicator.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::ContextBlock;
using distributed::DistributedWalkBlock;
using distributed::KeptWalks;
using distributed::RingTrainer;
using distributed::RowSlots;

constexpr uint32_t kRows = 3;  // each rank's
constexpr uint32_t kDimensions = 8;

// Four walks of six nodes from each rank, every node of every rank's
// block visited.
DistributedWalkBlock Walks(int rank, int ranks) {
  DistributedWalkBlock block;
  block.lengths = {6, 6, 6, 6};
  for (uint32_t i = 0; i < 24; ++i) {
    block.owners.push_back((rank + static_cast<int>(i)) % ranks);
    block.rows.push_back((i / ranks + i) % kRows);
    block.keep.push_back(1.0f);
  }
  return block;
}

EmbedOptions Options() {
  EmbedOptions o;
  o.dimensions = kDimensions;
  o.window = 2;
  o.negatives = 2;
  o.deterministic = true;
  o.num_threads = 1;
  return o;
}

// This rank's input rows, none zero.
Embeddings InputRows(int rank) {
  std::vector<int64_t> ids;
  for (uint32_t r = 0; r < kRows; ++r) ids.push_back(100 * int64_t{rank} + r);
  std::vector<float> values(kRows * kDimensions);
  for (size_t k = 0; k < values.size(); ++k) values[k] = 0.01f * static_cast<float>(k + 1);
  auto rows = Embeddings::FromRows(std::move(ids), kDimensions, values);
  EXPECT_TRUE(rows.ok()) << rows.status();
  return *std::move(rows);
}

bool AllZero(ContextBlock& block) {
  for (uint32_t r = 0; r < block.rows(); ++r) {
    for (uint32_t k = 0; k < kDimensions; ++k) {
      if (block.row(r)[k] != 0.0f) return false;
    }
  }
  return true;
}

// One wave of the walks, with this rank's flag `raised`; the status, and
// whether the block held after it is still all zero.
std::pair<absl::Status, bool> TrainOneWave(const Communicator& comm, bool raised) {
  auto slots = RowSlots::Agree(comm, kRows);
  EXPECT_TRUE(slots.ok()) << slots.status();
  auto kept = distributed::ShareKept(
      comm, distributed::SubsampleOwn(Walks(comm.rank(), comm.size()), *slots, comm.rank(),
                                      7, 0, /*subsample=*/false));
  EXPECT_TRUE(kept.ok()) << kept.status();
  const std::vector<double> noise(kRows, 1.0);
  auto shares = distributed::NegativeShares::Agree(comm, noise);
  EXPECT_TRUE(shares.ok()) << shares.status();
  const EmbedOptions options = Options();
  Embeddings input = InputRows(comm.rank());
  distributed::DistributedEmbedStats stats;
  const std::atomic<bool> cancel{raised};
  RingTrainer trainer(comm, options, *slots, *shares, input,
                      ContextBlock(comm.rank(), input.stride(), noise, kRows), stats,
                      &cancel);
  internal::LossSum loss;
  const absl::Status status = trainer.TrainWave(*kept, 0, 1, loss);
  return {status, AllZero(trainer.held())};
}

TEST(RingTrainerTest, ACancelOnTheLastRankEndsTheWaveOnEveryRank) {
  const Communicator comm = Communicator::World();
  const bool last = comm.rank() == comm.size() - 1;
  const auto [status, untouched] = TrainOneWave(comm, /*raised=*/last);
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  // Cancelled in its first step, the last rank holds its own block still,
  // and trained none of its centres.
  if (last) EXPECT_TRUE(untouched);
}

TEST(RingTrainerTest, WithoutACancelTheWaveTrainsEveryBlock) {
  const Communicator comm = Communicator::World();
  const auto [status, untouched] = TrainOneWave(comm, /*raised=*/false);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_FALSE(untouched);
}

}  // namespace
}  // namespace n2v::testing
