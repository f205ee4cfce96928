// WaveRunner: one wave of distributed walks on this rank. A round: every
// resident walker steps while its current node is this rank's; a walker
// whose next node is elsewhere migrates, one whose arc test needs another
// rank's arcs waits here and its query goes out. One exchange carries
// walkers and queries, a second the answers, and waiting walkers resume
// next round. The wave ends when no walker is left on any rank; each node
// a walk took is recorded by the node's owner as a Fragment, kept by home
// rank.
#ifndef N2V_DISTRIBUTED_WAVE_RUNNER_H_
#define N2V_DISTRIBUTED_WAVE_RUNNER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_walks.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/random.h"
#include "n2v/walker.h"

namespace n2v::distributed {

// A walker as it travels between ranks.
struct WalkerState {
  int64_t prev = -1;         // previous node id (valid when length >= 2)
  int64_t cur = 0;           // current node id, owned by the holding rank
  Rng::State rng{};
  uint32_t home_index = 0;   // its place in the home rank's wave
  int32_t home_rank = 0;
  uint32_t length = 1;       // nodes so far
  uint32_t arrived = 0;      // 1: `cur` is not recorded yet (just migrated)
};

// One node of a walk, recorded by the node's owner for the home rank: its
// id, or what training needs of it (WalkAnnotations::ids); the home rank
// knows the owner by who sent it.
struct Fragment {
  uint32_t home_index;
  uint32_t position;
  union {
    int64_t node;
    struct {
      uint32_t row;  // on its owner
      float keep;
    } trained;
  };
};

// "Is x a neighbour of t", asked of t's owner by a waiting walker.
struct Query {
  uint32_t slot;
  uint32_t unused;
  int64_t t;
  int64_t x;
};

struct Answer {
  uint32_t slot;
  uint32_t arc;
};

// A walker held by this rank in one round.
struct Resident {
  WalkerState state;
  bool resume = false;  // has an answer for its pending step
  bool answer = false;
  Node2VecWalker::DrivenStep step;
};

enum class Outcome : uint8_t { kDone, kMigrate, kWait };

// A round's results: each resident's outcome, and the nodes taken, by the
// walks' home rank, gathered per task so they are appended in bulk.
struct RoundResults {
  std::vector<Outcome> outcomes;                        // by resident
  std::vector<std::vector<std::vector<Fragment>>> taken;  // [task][home rank]
  std::vector<uint64_t> steps;                          // by task
};

class WaveRunner {
 public:
  WaveRunner(const Communicator& comm, const PartitionedGraph& graph,
             const Node2VecWalker& walker, const WalkAnnotations& annotations,
             int num_threads, DistributedWalkStats* stats)
      : comm_(comm), graph_(graph), walker_(walker), annotations_(annotations),
        threads_(num_threads), stats_(stats), fragments_(comm.size()) {}

  // The fragment of walk `s`'s node `v` (owned here) at `position`.
  Fragment Record(const WalkerState& s, uint32_t position, NodeIndex v) const {
    return RecordRow(s, position, v, graph_.row_of(v));
  }

  // Runs walkers until none is left on any rank; the recorded nodes are
  // then in fragments() by home rank.
  absl::Status Run(std::vector<Resident> residents);
  std::vector<std::string>& fragments() { return fragments_; }
  bool assembles() const { return annotations_.assemble; }

 private:
  // A walker being stepped beside others in a task, and the stage of its
  // step (wave_runner.cc).
  enum class Stage : uint8_t;
  struct Lane;
  using TakenByHome = std::vector<std::vector<Fragment>>;
  // Steps each of `residents` as far as this rank can take it, several
  // side by side in turns so that one's cache misses overlap the others'
  // work; each walk draws only from its own Rng, so its steps are those it
  // takes alone. The nodes taken go to `taken` by home rank (when the
  // walks are assembled) and are counted in `steps`.
  void AdvanceTask(std::span<Resident> residents, std::span<Outcome> outcomes,
                   TakenByHome& taken, uint64_t& steps) const;
  // Record, with v's row already read.
  Fragment RecordRow(const WalkerState& s, uint32_t position, NodeIndex v,
                     uint32_t row) const;
  // Puts `r` in `lane`: finds its nodes here; the node it migrated to is
  // recorded in a later turn.
  void Enter(Resident& r, Lane& lane) const;
  // One turn of a lane: one stage of a step (see wave_runner.cc). True
  // when the walker stops here (lane.outcome says why).
  bool Turn(Lane& lane, TakenByHome& taken, uint64_t& steps) const;
  // Turn's stages.
  bool Settle(Lane& lane) const;
  void Ask(Lane& lane) const;
  bool Step(Lane& lane, TakenByHome& taken, uint64_t& steps) const;
  // Sends walkers and queries, answers the queries received; returns the
  // next round's residents.
  absl::StatusOr<std::vector<Resident>> Exchange(std::vector<Resident>& residents,
                                                 RoundResults& results);
  absl::Status AnswerQueries(const std::vector<std::string>& in,
                             std::vector<Resident>& waiting,
                             std::vector<Resident>& next);

  const Communicator& comm_;
  const PartitionedGraph& graph_;
  const Node2VecWalker& walker_;
  const WalkAnnotations& annotations_;
  int threads_;
  DistributedWalkStats* stats_;
  std::vector<std::string> fragments_;  // by home rank
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_WAVE_RUNNER_H_
