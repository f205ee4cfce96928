// The distributed memory model against what a rank really holds: the peak
// resident growth of a distributed training pass stays at or below its
// model part and its wave buffers as the engine counts them
// (DistributedModelBytes, DistributedWaveBytes), and not far below, so
// --memory-per-rank and the sidecar's per-rank estimate can be trusted.
// The waves are large here, so that they dominate what is counted.
#include <algorithm>
#include <iostream>

#include "distributed_test_util.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/distributed_reembed.h"
#include "n2v/memory_model.h"
#include "peak_memory.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;

// One walk per node, little training and one thread, in small waves.
distributed::DistributedEmbedOptions SmallRun(uint32_t dimensions, uint32_t walk_length) {
  distributed::DistributedEmbedOptions o;
  o.embed.dimensions = dimensions;
  o.embed.walks_per_node = 1;
  o.embed.walk.walk_length = walk_length;
  o.embed.window = 2;
  o.embed.negatives = 1;
  o.embed.num_threads = 1;
  o.walks_per_wave = 64;
  return o;
}

TEST(DistributedMemoryTest, ARanksPeakIsAtMostItsModelAndWaveBytes) {
  ReturnFreedMemoryAtOnce();
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, RandomEdges(20000, false, 11), false);
  distributed::DistributedEmbedOptions o = SmallRun(16, 80);
  // Thread pools, MPI's buffers and first-use allocations, outside the
  // measurement.
  ASSERT_TRUE(distributed::EmbedDistributed(comm, part, o).ok());
  o.walks_per_wave = 1 << 20;  // every walk in one wave
  absl::StatusOr<distributed::DistributedEmbedResult> result;
  const uint64_t measured =
      PeakGrowth([&] { result = distributed::EmbedDistributed(comm, part, o); });
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<uint64_t> largest = {part.owned().size()};
  ASSERT_TRUE(comm.MaxAll(std::span<uint64_t>(largest)).ok());
  const uint64_t model =
      DistributedModelBytes(part.owned().size(), largest[0], o.embed.dimensions);
  const uint64_t waves = DistributedWaveBytes(o.walks_per_wave, largest[0],
                                              o.embed.walk.walk_length,
                                              static_cast<uint32_t>(comm.size()));
  EXPECT_EQ(result->stats.wave_bytes, waves);
  const double ratio = static_cast<double>(measured) / (model + waves);
  std::cout << "[ memory   ] rank " << comm.rank() << " of " << comm.size()
            << ": measured peak " << measured / 1e6 << " MB, model " << model / 1e6
            << " MB + waves " << waves / 1e6 << " MB (" << ratio << ")\n";
  EXPECT_LE(measured, model + waves);
  EXPECT_GE(ratio, 0.5);
}

// A warm start where most nodes are new (one in ten has a previous row):
// seeding them from their neighbours sums rows for the stubs too, which
// the re-embedding bytes count (DistributedReembedBytes with the rank's
// stub rows); the peak stays at or below model, waves and re-embedding.
TEST(DistributedMemoryTest, AWarmStartWithNewNodesStaysWithinItsCount) {
  ReturnFreedMemoryAtOnce();
  const Communicator comm = Communicator::World();
  const auto part = PartitionOrDie(comm, RandomEdges(20000, false, 13), false);
  distributed::DistributedEmbedOptions o = SmallRun(128, 10);
  std::vector<int64_t> ids;
  for (NodeIndex v : part.owned()) ids.push_back(part.local().original_id(v));
  const Embeddings previous =
      TestRows(ids, o.embed.dimensions, [](int64_t id) { return id % 10 == 0; });
  ReembedOptions reembed;
  reembed.align = false;
  ASSERT_TRUE(distributed::ReembedDistributed(comm, part, o, reembed, {.vectors = &previous})
                  .ok());
  absl::StatusOr<distributed::DistributedReembedResult> result;
  const uint64_t measured = PeakGrowth([&] {
    result = distributed::ReembedDistributed(comm, part, o, reembed, {.vectors = &previous});
  });
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<uint64_t> largest = {part.owned().size()};
  ASSERT_TRUE(comm.MaxAll(std::span<uint64_t>(largest)).ok());
  const uint32_t ranks = static_cast<uint32_t>(comm.size());
  const uint64_t counted =
      DistributedModelBytes(part.owned().size(), largest[0], o.embed.dimensions) +
      DistributedWaveBytes(o.walks_per_wave, part.owned().size(), o.embed.walk.walk_length,
                           ranks) +
      DistributedReembedBytes(part.owned().size(), part.stats().stub_nodes, ranks,
                              o.embed.dimensions, o.embed, reembed, previous.size());
  const uint64_t stubs = part.stats().stub_nodes;
  const uint64_t seeding = (part.owned().size() + stubs) * 17 + stubs * o.embed.dimensions * 8;
  std::cout << "[ memory   ] rank " << comm.rank() << " of " << comm.size()
            << ": warm start, measured peak " << measured / 1e6 << " MB, counted "
            << counted / 1e6 << " MB (" << static_cast<double>(measured) / counted
            << "), of which seeding new nodes " << seeding / 1e6 << " MB\n";
  EXPECT_LE(measured, counted);
}

}  // namespace
}  // namespace n2v::testing
