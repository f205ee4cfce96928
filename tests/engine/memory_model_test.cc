// The memory model against the memory runs really use: the peak resident
// growth of a re-embedding (cold, warm and incremental) stays at or below
// EstimateReembedMemory's peak, and not far below it, so admission control
// neither lets a job overrun its budget nor refuses jobs that would fit.
// Resident memory is measured by the kernel (VmHWM after resetting it
// through /proc/self/clear_refs), not by the code under test.
#include <iostream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/memory_model.h"
#include "n2v/random.h"
#include "n2v/reembed.h"
#include "n2v/walks.h"
#include "peak_memory.h"
#include "test_util.h"

namespace n2v {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::Message;
using ::n2v::testing::PeakGrowth;

// About 4 undirected edges per node, from a fixed seed.
EdgeList RandomEdges(uint32_t nodes, uint64_t seed) {
  Rng rng(seed);
  EdgeList edges;
  for (uint32_t v = 0; v < nodes; ++v) {
    for (int k = 0; k < 4; ++k) {
      edges.sources.push_back(v);
      edges.targets.push_back(rng.Below(nodes));
    }
  }
  return edges;
}

EmbedOptions SmallRun() {
  EmbedOptions o;
  o.dimensions = 128;
  o.walks_per_node = 1;
  o.walk.walk_length = 10;
  o.window = 5;
  o.num_threads = 2;
  return o;
}

// Vectors for the nodes of `graph` whose id is not a multiple of
// `skip_every` (0: all), all 0.01.
Embeddings PreviousVectors(const CsrGraph& graph, uint32_t dimensions,
                           uint32_t skip_every) {
  std::vector<int64_t> ids;
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    const int64_t id = graph.original_id(v);
    if (skip_every == 0 || id % skip_every != 0) ids.push_back(id);
  }
  std::vector<float> values(ids.size() * dimensions, 0.01f);
  return Embeddings::FromRows(std::move(ids), dimensions, values).value();
}

struct Case {
  std::string name;
  ReembedOptions reembed;
  uint32_t skip_every;    // nodes without previous vectors: every n-th
  bool previous;          // previous vectors exist at all
  bool changes_known;
};

TEST(MemoryModelTest, MeasuredPeakIsAtMostTheEstimateAndNotFarBelow) {
  ::n2v::testing::ReturnFreedMemoryAtOnce();
  constexpr uint32_t kNodes = 150000;
  const CsrGraph graph = BuildOrDie(RandomEdges(kNodes, 5), /*directed=*/false);
  const EmbedOptions options = SmallRun();
  // Thread pools and first-use allocations, outside the measurements.
  ASSERT_TRUE(Embed(graph, options).ok());

  std::vector<int64_t> changed;
  for (int64_t id = 0; id < kNodes; id += 200) changed.push_back(id);
  ReembedOptions cold;
  cold.warm_start = false;
  ReembedOptions warm;  // warm start, aligned
  ReembedOptions incremental;
  incremental.incremental = true;
  const std::vector<Case> cases = {
      {"cold", cold, 0, false, false},
      {"warm_with_new_nodes", warm, 10, true, false},
      {"incremental", incremental, 0, true, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Embeddings vectors =
        c.previous ? PreviousVectors(graph, options.dimensions, c.skip_every)
                   : Embeddings();
    const Embeddings context =
        c.previous ? PreviousVectors(graph, options.dimensions, c.skip_every)
                   : Embeddings();
    const PreviousEmbedding previous{
        .vectors = &vectors,
        .context = &context,
        .changed_nodes = c.changes_known ? &changed : nullptr};
    const EmbedMemory estimate = EstimateReembedMemory(
        graph.num_nodes(), graph.num_arcs(), graph.weighted(), options,
        c.reembed, vectors.size());
    absl::Status status;
    const uint64_t measured = PeakGrowth([&] {
      absl::StatusOr<ReembedResult> result =
          Reembed(graph, options, c.reembed, previous);
      status = result.status();
    });
    ASSERT_TRUE(status.ok()) << Message(status);
    const double ratio = static_cast<double>(measured) / estimate.peak;
    std::cout << "[ memory   ] " << c.name << ": measured peak "
              << measured / 1e6 << " MB, estimate " << estimate.peak / 1e6
              << " MB (" << ratio << ")\n";
    EXPECT_LE(measured, estimate.peak);
    EXPECT_GE(ratio, 0.75);
  }
}

// A distributed rank's count holds each training thread's scratch for a
// centre drawing kMaxDistributedNegativeScale times the negatives: wide
// windows of many negatives in many dimensions need it, and the model
// counts it per thread.
TEST(MemoryModelTest, ARanksCountHoldsEachTrainingThreadsScratch) {
  EmbedOptions o;
  o.dimensions = 1024;
  o.window = 1000;
  o.batch_windows = true;
  o.num_threads = 2;
  auto rank_bytes = [](const EmbedOptions& options) {
    return DistributedRankBytes(1 << 20, 1000, 1000, 1000, options, ReembedOptions{}, 0, 2,
                                kDefaultWalksPerWave);
  };
  EmbedOptions few = o;
  few.negatives = 5;
  EmbedOptions many = o;
  many.negatives = 1000;
  // Per thread: the scratch of a window of 2,001 rows against 4,001
  // outputs of 1,024 floats, and its pointers.
  const uint64_t scratch = ((2001 + 4001) * uint64_t{1024} + 2001 * uint64_t{4001} -
                            ((2001 + 21) * uint64_t{1024} + 2001 * uint64_t{21})) *
                           sizeof(float);
  EXPECT_GE(rank_bytes(many) - rank_bytes(few), 2 * scratch);
  EmbedOptions one_thread = many;
  one_thread.deterministic = true;
  EXPECT_LT(rank_bytes(one_thread), rank_bytes(many));
}

}  // namespace
}  // namespace n2v
