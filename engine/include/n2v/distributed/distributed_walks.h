// Distributed walks: node2vec walks over a PartitionedGraph, each walker
// moving to the rank that owns its current node, in bulk-synchronous
// rounds (KnightKing, SOSP 2019, moves walkers the same way).
//
// A walker carries its random stream (WalkRng of its start and round) and
// steps with Node2VecWalker's driven step, so it draws exactly what the
// same walk draws on one machine: the set of walks is the same at any
// number of ranks and threads, and equal to GenerateWalks on the whole
// graph. The test "is x a neighbour of t" needs t's arcs: when another rank
// owns t, the walker waits and a query goes to that rank, which answers
// within the round; when t is local it is answered at once. Each node of a
// walk is recorded by its owner (a walker moves to the owner of every node
// it takes, its last included) and sent, at the end of a wave, to the
// walk's home rank (the owner of its start), which assembles the walks.
#ifndef N2V_DISTRIBUTED_DISTRIBUTED_WALKS_H_
#define N2V_DISTRIBUTED_DISTRIBUTED_WALKS_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/walks.h"

namespace n2v::distributed {

struct DistributedWalkStats {
  uint64_t walks = 0;        // started at this rank's nodes
  uint64_t steps = 0;        // taken at this rank
  uint64_t migrations = 0;   // walkers this rank sent to another
  uint64_t arc_queries = 0;  // arc tests this rank asked of another
  uint64_t rounds = 0;       // exchanges, all waves
  uint64_t bytes_sent = 0;   // by this rank, all messages
};

// What the owner of each node adds to the walks (for training), and when
// a training pass stops them.
struct WalkAnnotations {
  // The keep probability of each row this rank owns (indexed by
  // PartitionedGraph::row_of); empty: 1 for every node.
  std::span<const float> keep;
  // When set, each occurrence of a node this rank owns adds 1 to its row's
  // count here (owned_nodes entries).
  std::vector<uint64_t>* counts = nullptr;
  // False: only count; the walks are not sent home, and `sink` gets empty
  // blocks (still once per wave).
  bool assemble = true;
  // What an assembled walk's nodes carry home: their ids (true), or their
  // owner, row and keep probability (false), which is what training reads,
  // in 16 bytes a node instead of 24.
  bool ids = true;
  // When set and raised on any rank, every rank stops after the round of
  // steps under way and returns Cancelled. The flag rides on the round's
  // count of walkers left, so hearing it costs no message.
  const std::atomic<bool>* cancel = nullptr;
};

// One wave's walks that start at this rank's nodes: for each node, its id
// in `nodes` (WalkAnnotations::ids), or else its owner, its row there and
// its keep probability.
struct DistributedWalkBlock : WalkBlock {
  std::vector<int32_t> owners;
  std::vector<uint32_t> rows;
  std::vector<float> keep;
  uint64_t wave = 0;   // this wave's number, from 0
  uint64_t waves = 0;  // waves in the run
};

// Collective. Generates the walks in waves, each a round r and a range of
// start ids (cut so a wave holds about `walks_per_wave` walks per rank,
// which bounds its memory), in the canonical order: round by round, start
// ids ascending. After each wave, hands `sink` on each rank the wave's
// walks that start at its own nodes (its to keep or free; the wave's own
// buffers are freed by then), in canonical order (possibly none), so
// the ranks' blocks of a wave merged by start id give the canonical
// sequence. Errors: the options' (ValidateWalksOptions, as `names` spells
// the fields), InvalidArgument for a walk_from id in no rank's part, the
// communicator's, and the sink's (which must then fail on every rank, or
// the others wait).
absl::Status GenerateDistributedWalks(
    const Communicator& comm, const PartitionedGraph& graph,
    const WalksOptions& options, uint64_t walks_per_wave,
    absl::FunctionRef<absl::Status(DistributedWalkBlock)> sink,
    DistributedWalkStats* stats, const OptionNames& names = {},
    const WalkAnnotations& annotations = {});

// Collective. The ranks' blocks of one wave merged, in canonical order, on
// rank `root` (an empty block elsewhere).
absl::StatusOr<WalkBlock> GatherWave(const Communicator& comm,
                                     const WalkBlock& mine, int root);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_DISTRIBUTED_WALKS_H_
