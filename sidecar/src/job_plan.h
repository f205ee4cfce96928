// JobPlan: what a job on a snapshot will run and the memory it will be
// charged, computed once by the same function for EstimateJob and StartJob,
// so an estimate that says a job fits describes the job that starts.
#ifndef N2V_SIDECAR_JOB_PLAN_H_
#define N2V_SIDECAR_JOB_PLAN_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "n2v/embed_options.h"
#include "n2v/memory_model.h"
#include "n2v/reembed.h"
#include "n2v/v1/n2v.pb.h"
#include "snapshot_store.h"

namespace n2v::sidecar {

// The size of the graph a job runs on.
struct GraphShape {
  uint64_t nodes = 0;
  uint64_t arcs = 0;
  bool weighted = false;
  uint64_t previous_rows = 0;  // warm-start vectors uploaded with it
};

GraphShape ShapeOf(const GraphHolder& graph);

// The previous run a snapshot carries (its initial vectors and what changed
// since the previous same-named snapshot), as Reembed takes it.
PreviousEmbedding PreviousOf(const GraphHolder& graph);

struct JobPlan {
  EmbedOptions options;          // as Reembed takes them
  ReembedOptions reembed;
  v1::Node2VecParams params;     // with defaults and the rates it will use
  EmbedMemory memory;            // EstimateReembedMemory
  // The ranks it runs on (all of an mpirun'd sidecar's), and what the
  // largest rank then holds (EstimateRankBytes; 0 on one rank).
  uint32_t ranks = 1;
  uint64_t memory_per_rank = 0;

  // What rank 0 holds for the job, charged to its --memory-budget: the
  // one-process peak, which bounds the whole result it collects, and on
  // several ranks its own share of the run besides.
  uint64_t leader_bytes() const { return memory.peak + (ranks > 1 ? memory_per_rank : 0); }
};

// The other ranks of an mpirun'd sidecar run one job at a time, so a job
// fits them when its largest rank's share fits the smallest of their
// budgets (`rank_memory_budget`); ResourceExhausted naming both sizes and
// `what` (e.g. "job on snapshot s-1") otherwise.
absl::Status FitsOtherRanks(const JobPlan& plan, uint64_t rank_memory_budget,
                            std::string_view what);

// Validates `params` against the snapshot (InvalidArgument naming the
// field, e.g. "params.return_factor must be finite and > 0, got -1") and
// plans the job. `previous` is what Reembed will get (empty for an
// estimate by size).
// `ranks`: the sidecar's MPI ranks (1 when not under mpirun), whose jobs
// run waves of `walks_per_wave` walks per rank.
absl::StatusOr<JobPlan> PlanJob(const v1::Node2VecParams& params,
                                const GraphShape& shape,
                                const PreviousEmbedding& previous,
                                uint32_t ranks = 1,
                                uint64_t walks_per_wave = kDefaultWalksPerWave);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_JOB_PLAN_H_
