// Walks as a product of their own (like GDS's randomWalk, `n2v walks`): the
// node2vec walks of a graph, in a canonical order that does not depend on
// threads or on how a distributed run splits the graph.
//
// Order: round r = 0 .. walks_per_node - 1; within a round, one walk from
// each start node in ascending node id. Walk (start, r) is drawn with
// WalkRng(seed, start id, r) (walker.h).
#ifndef N2V_WALKS_H_
#define N2V_WALKS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "n2v/embed.h"
#include "n2v/graph.h"
#include "n2v/walker.h"

namespace n2v {

struct WalksOptions {
  WalkParams walk;
  uint32_t walks_per_node = 10;
  uint64_t seed = 1;
  int num_threads = 0;  // 0 = all available cores
  // Start nodes (ids); empty: every node.
  std::vector<int64_t> walk_from;
};

// Consecutive walks in the canonical order, as node ids.
struct WalkBlock {
  std::vector<int64_t> nodes;     // the walks, one after another
  std::vector<uint32_t> lengths;  // nodes per walk
};

// InvalidArgument naming the field (as `names` spells it) when an option is
// out of the engine's range (ValidateWalkParams, walks_per_node).
absl::Status ValidateWalksOptions(const WalksOptions& options,
                                  const OptionNames& names = {});

// A distributed run generates its walks in waves of about this many walks
// per rank (n2v/distributed/distributed_walks.h), unless told otherwise; a
// wave bounds the memory of its walks (DistributedWaveBytes).
inline constexpr uint64_t kDefaultWalksPerWave = uint64_t{1} << 14;
inline constexpr uint64_t kMaxWalksPerWave = UINT32_MAX;

// InvalidArgument naming the field (names.walks_per_wave) unless
// 1 <= walks_per_wave <= kMaxWalksPerWave.
absl::Status ValidateWalksPerWave(uint64_t walks_per_wave, const OptionNames& names = {});

// Generates every walk and hands them to `sink` in blocks, in order; stops
// at the first error `sink` returns. Errors: those of ValidateWalksOptions,
// InvalidArgument for a walk_from id not in the graph, Cancelled.
absl::Status GenerateWalks(const CsrGraph& graph, const WalksOptions& options,
                           absl::FunctionRef<absl::Status(const WalkBlock&)> sink,
                           const EmbedControl& control = {},
                           const OptionNames& names = {});

}  // namespace n2v

#endif  // N2V_WALKS_H_
