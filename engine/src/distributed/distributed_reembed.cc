// ReembedDistributed: what is known over every rank, the resolved options,
// the start plan, the distributed run (or the previous vectors when nothing
// changed), then the rotation and drift over every rank's rows.
#include "n2v/distributed/distributed_reembed.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "distributed/incremental_starts.h"
#include "internal/string_view_compat.h"
#include "n2v/alignment.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

const Embeddings& NoRows() {
  static const Embeddings* none = new Embeddings();
  return *none;
}

// A rank's share, or no rows when it has none (a run that knows the
// vectors needs a share on every rank, if only an empty one).
const Embeddings* ShareOrEmpty(const Embeddings* share) {
  return share != nullptr ? share : &NoRows();
}

uint64_t SizeOf(const Embeddings* e) { return e != nullptr ? e->size() : 0; }

// Which of the previous matrices some rank holds rows of.
struct KnownMatrices {
  PreviousKnown previous;
  bool align_to = false;
};

// Collective.
absl::StatusOr<KnownMatrices> KnownOnAnyRank(const Communicator& comm,
                                             const DistributedPrevious& previous) {
  std::vector<uint64_t> sizes = {SizeOf(previous.vectors), SizeOf(previous.context),
                                 SizeOf(previous.align_to)};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(sizes)));
  return KnownMatrices{
      .previous = {.vectors = sizes[0] > 0, .context = sizes[1] > 0},
      .align_to = sizes[2] > 0};
}

// Collective: the rotation of the rows onto `target`, the same on every
// rank (rank 0's), or nullopt when no rank's rows share an id with it.
absl::StatusOr<std::optional<std::vector<double>>> SharedRotation(
    const Communicator& comm, const Embeddings& rows, const Embeddings& target) {
  const uint32_t d = rows.dimensions();
  uint64_t shared = 0;
  std::vector<double> m = target.size() > 0 ? CrossCovariance(rows, target, &shared)
                                            : std::vector<double>(size_t{d} * d, 0.0);
  m.push_back(static_cast<double>(shared));
  // Summed in rank order, so the rotation's bits do not depend on how MPI
  // reduces (deterministic runs repeat on any MPI, watched or not).
  N2V_RETURN_IF_ERROR(comm.DeterministicSum(std::span<double>(m)));
  if (m.back() == 0) return std::nullopt;
  m.pop_back();
  std::string bytes;
  if (comm.rank() == 0) {
    const std::vector<double> rotation = RotationFromCrossCovariance(std::move(m), d);
    bytes.assign(reinterpret_cast<const char*>(rotation.data()),
                 rotation.size() * sizeof(double));
  }
  N2V_RETURN_IF_ERROR(comm.Broadcast(&bytes, 0));
  return ReadPods<double>(bytes);
}

// Collective: the value of rank `k` (0-based) among every rank's sorted
// `mine` (nonnegative doubles, whose bit patterns sort as they do), found
// by halving the range of bit patterns with one sum per step.
absl::StatusOr<double> KthSmallest(const Communicator& comm,
                                   const std::vector<double>& mine, uint64_t k,
                                   uint64_t largest_bits) {
  uint64_t low = 0, high = largest_bits;
  while (low < high) {
    const uint64_t middle = low + (high - low) / 2;
    const double bound = std::bit_cast<double>(middle);
    std::vector<uint64_t> at_most = {static_cast<uint64_t>(
        std::upper_bound(mine.begin(), mine.end(), bound) - mine.begin())};
    N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(at_most)));
    if (at_most[0] >= k + 1) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  return std::bit_cast<double>(low);
}

// The drift of each shared row: of all of them, and of those whose edges
// did not change.
struct RowDrifts {
  std::vector<double> all, unchanged;
  uint64_t added = 0, removed = 0;
};

RowDrifts DriftOfRows(const Communicator& comm, const PartitionedGraph& graph,
                      const Embeddings& rows, const Embeddings& target,
                      const std::vector<int64_t>* changed_nodes) {
  absl::flat_hash_set<int64_t> changed;
  if (changed_nodes != nullptr) changed.insert(changed_nodes->begin(), changed_nodes->end());
  RowDrifts d;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto other = target.size() > 0 ? target.Find(rows.id(r)) : std::nullopt;
    if (!other) {
      ++d.added;
      continue;
    }
    d.all.push_back(RowDrift(rows.row(r), target.row(*other)));
    if (changed_nodes != nullptr && !changed.contains(rows.id(r))) {
      d.unchanged.push_back(d.all.back());
    }
  }
  for (size_t r = 0; r < target.size(); ++r) {
    const int64_t id = target.id(r);
    if (graph.owner(id) == comm.rank() && !rows.Find(id)) ++d.removed;
  }
  return d;
}

// Collective: mean, p95 and max of every rank's `drift`.
absl::Status SummarizeDrift(const Communicator& comm, std::vector<double> drift,
                            uint64_t count, DriftStats& stats) {
  std::sort(drift.begin(), drift.end());
  std::vector<double> sum = {0};
  for (double x : drift) sum[0] += x;
  std::vector<uint64_t> largest = {drift.empty() ? 0 : std::bit_cast<uint64_t>(drift.back())};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<double>(sum)));
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(largest)));
  stats.mean = sum[0] / count;
  stats.max = std::bit_cast<double>(largest[0]);
  N2V_ASSIGN_OR_RETURN(stats.p95, KthSmallest(comm, drift, P95Rank(count), largest[0]));
  return absl::OkStatus();
}

// Collective: MeasureDrift over every rank's rows, as Reembed measures it:
// over the unchanged shared nodes when what changed is known and some are,
// otherwise over all shared nodes. Returns the nodes it covered.
absl::StatusOr<uint64_t> MeasureDriftOverRanks(const Communicator& comm,
                                               const PartitionedGraph& graph,
                                               const Embeddings& rows,
                                               const Embeddings& target,
                                               const std::vector<int64_t>* changed_nodes,
                                               DriftStats& stats) {
  RowDrifts d = DriftOfRows(comm, graph, rows, target, changed_nodes);
  std::vector<uint64_t> counts = {d.all.size(), d.added, d.removed, d.unchanged.size()};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(counts)));
  stats = DriftStats{.shared_nodes = counts[0], .added_nodes = counts[1],
                     .removed_nodes = counts[2]};
  const bool only_unchanged = counts[3] > 0;
  const uint64_t covered = only_unchanged ? counts[3] : counts[0];
  if (covered == 0) return covered;
  N2V_RETURN_IF_ERROR(SummarizeDrift(
      comm, only_unchanged ? std::move(d.unchanged) : std::move(d.all), covered, stats));
  return covered;
}

// Collective: rotates both matrices onto the target and measures the drift
// (Reembed's AlignOntoPrevious over every rank).
// A result sharing no node with the target stays as it is.
absl::Status AlignOverRanks(const Communicator& comm, const PartitionedGraph& graph,
                            const Embeddings& target,
                            const std::vector<int64_t>* changed_nodes,
                            DistributedEmbedResult& result, ReembedReport& report) {
  N2V_ASSIGN_OR_RETURN(std::optional<std::vector<double>> rotation,
                       SharedRotation(comm, result.embeddings, target));
  if (!rotation.has_value()) return absl::OkStatus();
  Rotate(result.embeddings, *rotation);
  if (result.context.size() > 0) Rotate(result.context, *rotation);
  N2V_ASSIGN_OR_RETURN(report.drift_measured_nodes,
                       MeasureDriftOverRanks(comm, graph, result.embeddings, target,
                                             changed_nodes, report.drift));
  report.aligned = true;
  return absl::OkStatus();
}

// This rank's check of the options and of its shares' dimensions.
absl::Status ValidateShare(const DistributedEmbedOptions& options,
                           const ReembedOptions& reembed,
                           const DistributedPrevious& previous, const OptionNames& names) {
  const PreviousEmbedding local{.vectors = previous.vectors,
                                .context = previous.context,
                                .align_to = previous.align_to};
  return ValidateReembed(options.embed, reembed, local, names);
}

}  // namespace

DistributedPrevious HeldPrevious::pointers() const {
  auto pointer = [](const std::optional<Embeddings>& e) { return e ? &*e : nullptr; };
  return {.vectors = pointer(vectors),
          .context = pointer(context),
          .align_to = pointer(align_to),
          .changed_nodes = changed_nodes ? &*changed_nodes : nullptr};
}

absl::StatusOr<DistributedReembedResult> ReembedDistributed(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const ReembedOptions& reembed,
    const DistributedPrevious& previous, const OptionNames& names) {
  N2V_RETURN_IF_ERROR(AgreeOnStatus(
      comm, ValidateShare(options, reembed, previous, names), "checking the options"));
  N2V_ASSIGN_OR_RETURN(const KnownMatrices known, KnownOnAnyRank(comm, previous));
  const PreviousEmbedding shares{.vectors = ShareOrEmpty(previous.vectors),
                                 .context = ShareOrEmpty(previous.context)};
  DistributedEmbedOptions run = options;
  run.embed = ResolveReembedOptions(options.embed, reembed, shares, known.previous);
  DistributedReembedResult out;
  out.report.warm_started = run.embed.initial != nullptr;
  N2V_ASSIGN_OR_RETURN(
      StartPlan plan,
      PlanStartsOverRanks(comm, graph, reembed, out.report.warm_started,
                          previous.changed_nodes, *shares.vectors, known.previous.context));
  out.report.incremental = plan.incremental;
  if (plan.incremental && plan.starts.empty()) {
    N2V_ASSIGN_OR_RETURN(out.embed,
                         PreviousAsOwnResult(comm, graph, *shares.vectors, *shares.context,
                                             options.embed.dimensions));
  } else {
    if (plan.incremental) run.embed.walk_from = std::move(plan.starts);
    out.report.walk_start_nodes = run.embed.walk_from.empty() ? graph.stats().num_nodes
                                                              : run.embed.walk_from.size();
    N2V_ASSIGN_OR_RETURN(out.embed, EmbedDistributed(comm, graph, run, names));
  }
  if (WillAlign(reembed) && (known.align_to || known.previous.vectors)) {
    const Embeddings& target =
        known.align_to ? *ShareOrEmpty(previous.align_to) : *shares.vectors;
    N2V_RETURN_IF_ERROR(AlignOverRanks(comm, graph, target, previous.changed_nodes,
                                       out.embed, out.report));
  }
  return out;
}

}  // namespace n2v::distributed
