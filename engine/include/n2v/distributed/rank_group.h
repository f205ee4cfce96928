// RankGroup: the ranks of a service started under mpirun (`mpirun -np N
// n2v-sidecar ...`). Rank 0, the leader, serves clients and holds the
// graphs they upload; each embedding job it runs is announced to the other
// ranks (the followers), which then take part in it: the graph and any
// previous vectors are spread from the leader (PartitionedGraph::FromWhole),
// re-embedded with ReembedDistributed, and the vectors are collected on the
// leader.
//
// A group on a watched communicator (Communicator::Watched) ends a job
// with the RankWatch's loss when a rank stops answering: the leader's
// Embed returns it (Unavailable, naming the rank) and Follow returns it.
// Given the watch, the group also relays a job's cancel on its heartbeats,
// so the followers stop within a heartbeat interval too.
//
// Thread safety: the leader's methods may be called from any thread; jobs
// run one at a time (the group's own MPI calls come from one thread at a
// time, taking turns with a RankWatch's thread: MpiSession kSerialized).
#ifndef N2V_DISTRIBUTED_RANK_GROUP_H_
#define N2V_DISTRIBUTED_RANK_GROUP_H_

#include <cstdint>
#include <mutex>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/rank_watch.h"
#include "n2v/embed.h"
#include "n2v/graph.h"
#include "n2v/walks.h"  // kDefaultWalksPerWave
#include "n2v/reembed.h"

namespace n2v::distributed {

class RankGroup {
 public:
  // `walks_per_wave`: the leader's jobs run waves of this many walks per
  // rank (DistributedEmbedOptions::walks_per_wave); the followers take the
  // leader's value with each job.
  // `watch`, when given, relays cancels and must outlive the group.
  explicit RankGroup(Communicator comm, uint64_t walks_per_wave = kDefaultWalksPerWave,
                     RankWatch* watch = nullptr)
      : comm_(std::move(comm)), walks_per_wave_(walks_per_wave), watch_(watch) {}

  bool leader() const { return comm_.rank() == 0; }
  int ranks() const { return comm_.size(); }

  // Followers: take part in the leader's jobs until it calls Stop. Waiting
  // for the next job sleeps rather than spins. Returns OK after Stop, or
  // the communicator's error or loss.
  absl::Status Follow();

  // Leader: node2vec on `graph` across every rank. The vectors of every
  // node come back in `graph`'s order, with the run's stats. Errors: those
  // of EmbedDistributed (options it does not support, Cancelled when
  // control.cancel is raised, divergence) and the communicator's.
  absl::StatusOr<EmbedResult> Embed(const CsrGraph& graph, const EmbedOptions& options,
                                    const EmbedControl& control,
                                    const OptionNames& names = {});

  // Leader: Reembed (n2v/reembed.h) across every rank, any run: warm
  // starts, kept context vectors, alignment and batches of windows
  // included. The previous vectors are the leader's, spread to the ranks
  // that own their nodes; the result (input and, when kept, context rows
  // in `graph`'s order) and the report come back as Reembed gives them.
  // Errors: as Embed's, and ReembedDistributed's.
  absl::StatusOr<ReembedResult> Reembed(const CsrGraph& graph, const EmbedOptions& options,
                                        const ReembedOptions& reembed,
                                        const PreviousEmbedding& previous,
                                        const EmbedControl& control,
                                        const OptionNames& names = {});

  // Leader: ends Follow on every follower. Later Embed calls fail.
  absl::Status Stop();

 private:
  Communicator comm_;
  const uint64_t walks_per_wave_;
  RankWatch* const watch_;
  std::mutex mu_;
  bool stopped_ = false;
  uint64_t jobs_ = 0;  // jobs announced (leader) or taken part in; guarded by mu_ on the leader
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_RANK_GROUP_H_
