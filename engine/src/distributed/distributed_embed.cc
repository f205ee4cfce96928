// EmbedDistributed: the counting pass, then per epoch and wave: share the
// wave's walks, subsample them, and train them around the ring.
#include "n2v/distributed/distributed_embed.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "distributed/context_block.h"
#include "distributed/negative_shares.h"
#include "distributed/ring_trainer.h"
#include "distributed/wave_corpus.h"
#include "distributed/warm_start_rows.h"
#include "internal/divergence.h"
#include "internal/initial_rows.h"
#include "internal/option_rules.h"
#include "internal/parallel.h"
#include "internal/sampling_rules.h"
#include "internal/sgns_kernel.h"
#include "internal/train_context.h"
#include "n2v/memory_model.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

using internal::LossSum;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

// Progress after `done` of `waves` training waves (all epochs).
void ReportProgress(const EmbedControl& control, uint64_t done, uint64_t waves,
                    uint32_t epoch, const LossSum& loss,
                    const DistributedEmbedStats& stats,
                    std::chrono::steady_clock::time_point started) {
  if (!control.on_progress) return;
  EmbedProgress p;
  p.phase = EmbedPhase::kTraining;
  p.fraction = static_cast<double>(done) / waves;
  p.overall = p.fraction;
  p.epoch = epoch;
  p.loss = loss.pairs > 0 ? loss.sum / loss.pairs : 0;
  p.elapsed_seconds = stats.count_seconds + Seconds(started);
  control.on_progress(p);
}

// Random input rows, one stream per node id.
Embeddings InitialInputRows(const PartitionedGraph& graph, const EmbedOptions& o,
                            std::shared_ptr<const NodeIdIndex> ids) {
  Embeddings rows(std::move(ids), o.dimensions);
  const CsrGraph& g = graph.local();
  tbb::parallel_for(tbb::blocked_range<size_t>(0, rows.size(), 1024),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t k = r.begin(); k < r.end(); ++k) {
                        internal::InitializeRow(
                            rows.mutable_row(k), o.seed,
                            static_cast<uint64_t>(g.original_id(graph.owned()[k])),
                            o.initializer);
                      }
                    });
  return rows;
}

// The counting pass: how often each own node occurs in one epoch's walks.
absl::StatusOr<std::vector<uint64_t>> CountOccurrences(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& o, const OptionNames& names) {
  std::vector<uint64_t> counts(graph.owned().size(), 0);
  WalksOptions walks{.walk = o.embed.walk,
                     .walks_per_node = o.embed.walks_per_node,
                     .seed = o.embed.seed,
                     .num_threads = o.embed.num_threads,
                     .walk_from = o.embed.walk_from};
  // A cancel is heard after each round of a wave's walks here too, not
  // only once training runs.
  N2V_RETURN_IF_ERROR(GenerateDistributedWalks(
      comm, graph, walks, o.walks_per_wave,
      [](const DistributedWalkBlock&) { return absl::OkStatus(); }, nullptr, names,
      {.keep = {}, .counts = &counts, .assemble = false, .cancel = o.control.cancel}));
  return counts;
}

// Collective: which own nodes an arc points to, from this rank or another
// (a stub here is the target of an arc from one of this rank's nodes).
absl::StatusOr<std::vector<uint8_t>> OwnNodesWithInArcs(const Communicator& comm,
                                                        const PartitionedGraph& graph) {
  const CsrGraph& g = graph.local();
  std::vector<uint8_t> pointed(graph.owned().size(), 0);
  std::vector<std::string> out(comm.size());
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    if (!graph.owns(v)) {
      AppendPod(out[graph.owner(g.original_id(v))], g.original_id(v));
      continue;
    }
    for (NodeIndex t : g.out_neighbors(v)) {
      if (graph.owns(t)) pointed[graph.row_of(t)] = 1;
    }
  }
  std::vector<std::string> in;
  N2V_RETURN_IF_ERROR(comm.AllToAll(out, &in));
  for (const std::string& from : in) {
    for (int64_t id : ReadPods<int64_t>(from)) {
      const std::optional<NodeIndex> v = g.ids().Find(id);
      if (v && graph.owns(*v)) pointed[graph.row_of(*v)] = 1;
    }
  }
  return pointed;
}

// Collective: zeroes the rows of own nodes with no arc in either direction
// (IsolatedNodePolicy::kZero), as one machine does; a directed sink keeps
// its row, whether or not a walk reached it.
absl::Status ZeroIsolatedRows(const Communicator& comm, const PartitionedGraph& graph,
                              const EmbedOptions& o, Embeddings& rows) {
  if (o.isolated_nodes != IsolatedNodePolicy::kZero) return absl::OkStatus();
  N2V_ASSIGN_OR_RETURN(const std::vector<uint8_t> pointed, OwnNodesWithInArcs(comm, graph));
  for (size_t k = 0; k < rows.size(); ++k) {
    if (graph.local().out_degree(graph.owned()[k]) == 0 && pointed[k] == 0) {
      auto row = rows.mutable_row(k);
      std::fill(row.begin(), row.end(), 0.0f);
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The sampling tables of the partitioned trainer: each own row's noise
// weight and keep probability.
void OwnTables(const std::vector<uint64_t>& counts, uint64_t total, const EmbedOptions& o,
               std::vector<double>* noise, std::vector<float>* keep) {
  noise->resize(counts.size());
  for (size_t k = 0; k < counts.size(); ++k) {
    (*noise)[k] = internal::NoiseWeight(counts[k], o.negative_exponent);
    if (o.subsample > 0) {
      keep->push_back(internal::KeepProbability(counts[k], total, o.subsample));
    }
  }
}

void AddEpochWalks(const DistributedWalkStats& epoch, DistributedWalkStats& all) {
  all.walks += epoch.walks;
  all.steps += epoch.steps;
  all.migrations += epoch.migrations;
  all.arc_queries += epoch.arc_queries;
  all.rounds += epoch.rounds;
}

// Collective: the epoch's loss and pairs over every rank, into the stats.
absl::Status AddEpochLoss(const Communicator& comm, const LossSum& loss,
                          DistributedEmbedStats& stats) {
  std::vector<double> sums = {loss.sum, static_cast<double>(loss.pairs),
                              static_cast<double>(loss.trained_pairs)};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<double>(sums)));
  stats.loss_per_epoch.push_back(sums[1] > 0 ? sums[0] / sums[1] : 0);
  stats.trained_pairs += static_cast<uint64_t>(sums[2]);
  return absl::OkStatus();
}

WalksOptions WalksOf(const EmbedOptions& o) {
  return {.walk = o.walk,
          .walks_per_node = o.walks_per_node,
          .seed = o.seed,
          .num_threads = o.num_threads,
          .walk_from = o.walk_from};
}

// Collective: the most nodes any rank owns (the ring's largest block).
absl::StatusOr<uint64_t> LargestOwnedRows(const Communicator& comm,
                                          const PartitionedGraph& graph) {
  std::vector<uint64_t> largest = {graph.owned().size()};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(largest)));
  return largest[0];
}

// Collective: the warm start's input rows (copied, else neighbour means)
// and context rows (copied), when the options name previous vectors.
absl::Status WarmStart(const Communicator& comm, const PartitionedGraph& graph,
                       const EmbedOptions& o, Embeddings& input, ContextBlock& context,
                       DistributedEmbedStats& stats) {
  if (o.initial != nullptr) {
    N2V_ASSIGN_OR_RETURN(internal::WarmStartCounts counts,
                         WarmStartOwnRows(comm, graph, *o.initial, input));
    stats.warm_started_nodes = counts.copied;
    stats.neighbour_started_nodes = counts.seeded;
  }
  if (o.initial_context == nullptr) return absl::OkStatus();
  absl::Status dims = absl::OkStatus();
  if (o.initial_context->size() > 0 && o.initial_context->dimensions() != o.dimensions) {
    dims = absl::InvalidArgumentError(absl::StrCat(
        "initial context vectors have ", o.initial_context->dimensions(),
        " dimensions but dimensions is ", o.dimensions));
  }
  N2V_RETURN_IF_ERROR(AgreeOnStatus(comm, dims, "checking the initial context vectors"));
  CopyOwnRows(graph, *o.initial_context, context.row(0), input.stride());
  return absl::OkStatus();
}

// This rank's context rows, from its own block (home after the last wave).
Embeddings OwnContextRows(ContextBlock& block, const Embeddings& input) {
  Embeddings context(input.shared_ids(), input.dimensions());
  for (size_t k = 0; k < context.size(); ++k) {
    std::copy_n(block.row(static_cast<uint32_t>(k)), context.dimensions(),
                context.mutable_row(k).data());
  }
  return context;
}

// The partitioned training pass: waves shared with every rank and trained
// around the ring, whose blocks have room for `largest_rows` rows. Returns
// this rank's own input rows, and its context rows into `context` when
// the options keep them.
absl::StatusOr<Embeddings> TrainPartitioned(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const OptionNames& names,
    const std::vector<uint64_t>& counts, uint64_t total, uint64_t largest_rows,
    DistributedEmbedStats& stats, std::chrono::steady_clock::time_point started,
    Embeddings* context) {
  const EmbedOptions& o = options.embed;
  std::vector<double> noise;
  std::vector<float> keep;
  OwnTables(counts, total, o, &noise, &keep);
  std::vector<int64_t> own_ids;
  for (NodeIndex v : graph.owned()) own_ids.push_back(graph.local().original_id(v));
  N2V_ASSIGN_OR_RETURN(NodeIdIndex ids, NodeIdIndex::Create(std::move(own_ids)));
  Embeddings input =
      InitialInputRows(graph, o, std::make_shared<const NodeIdIndex>(std::move(ids)));
  ContextBlock own(comm.rank(), input.stride(), noise, largest_rows);
  N2V_RETURN_IF_ERROR(WarmStart(comm, graph, o, input, own, stats));
  N2V_ASSIGN_OR_RETURN(const RowSlots slots, RowSlots::Agree(comm, graph.owned().size()));
  N2V_ASSIGN_OR_RETURN(const NegativeShares shares, NegativeShares::Agree(comm, noise));
  RingTrainer trainer(comm, o, slots, shares, input, std::move(own), stats,
                      options.control.cancel);
  for (uint32_t epoch = 0; epoch < o.epochs; ++epoch) {
    LossSum loss;
    DistributedWalkStats epoch_walks;
    N2V_RETURN_IF_ERROR(GenerateDistributedWalks(
        comm, graph, WalksOf(o), options.walks_per_wave,
        [&](DistributedWalkBlock block) -> absl::Status {
          const uint64_t wave = epoch * block.waves + block.wave;
          const uint64_t waves = o.epochs * block.waves;
          auto phase = std::chrono::steady_clock::now();
          KeptWalks own = SubsampleOwn(block, slots, comm.rank(), o.seed, wave,
                                       o.subsample > 0);
          block = {};  // a wave's buffers are freed as soon as they are read
          stats.prepare_seconds += Seconds(phase);
          phase = std::chrono::steady_clock::now();
          const uint64_t sent_before = comm.bytes_sent();
          N2V_ASSIGN_OR_RETURN(const KeptWalks kept, ShareKept(comm, std::move(own)));
          stats.share_bytes_sent += comm.bytes_sent() - sent_before;
          stats.share_seconds += Seconds(phase);
          // A cancel is heard in the walks' rounds and after each ring step.
          N2V_RETURN_IF_ERROR(trainer.TrainWave(kept, wave, waves, loss));
          ReportProgress(options.control, wave + 1, waves, epoch, loss, stats, started);
          return absl::OkStatus();
        },
        &epoch_walks, names,
        {.keep = keep, .counts = nullptr, .assemble = true, .ids = false,
         .cancel = options.control.cancel}));
    AddEpochWalks(epoch_walks, stats.walks);
    N2V_RETURN_IF_ERROR(AddEpochLoss(comm, loss, stats));
  }
  if (o.keep_context) {
    N2V_RETURN_IF_ERROR(trainer.ReturnHome());
    if (trainer.held().owner() != comm.rank()) {
      return absl::InternalError(absl::StrCat("rank ", comm.rank(),
                                              " holds the context block of rank ",
                                              trainer.held().owner(), " after training"));
    }
    *context = OwnContextRows(trainer.held(), input);
  }
  return input;
}

// Collective: this rank's model bytes and the largest rank's.
absl::Status CountModelBytes(const Communicator& comm, const PartitionedGraph& graph,
                             uint64_t largest_rows, const EmbedOptions& o,
                             DistributedEmbedStats& stats) {
  stats.model_bytes = DistributedModelBytes(graph.owned().size(), largest_rows, o.dimensions);
  std::vector<uint64_t> max_model = {stats.model_bytes};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(max_model)));
  stats.max_model_bytes = max_model[0];
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DistributedEmbedResult> EmbedDistributed(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const OptionNames& names) {
  const EmbedOptions& o = options.embed;
  N2V_RETURN_IF_ERROR(ValidateEmbedOptions(o, names));
  N2V_RETURN_IF_ERROR(ValidateWalksPerWave(options.walks_per_wave, names));
  DistributedEmbedResult result;
  DistributedEmbedStats& stats = result.stats;
  const uint64_t bytes_before = comm.bytes_sent();
  auto started = std::chrono::steady_clock::now();
  N2V_ASSIGN_OR_RETURN(std::vector<uint64_t> counts,
                       CountOccurrences(comm, graph, options, names));
  std::vector<uint64_t> total = {0};
  for (uint64_t c : counts) total[0] += c;
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(total)));
  stats.walk_nodes = total[0];
  stats.count_seconds = Seconds(started);
  N2V_ASSIGN_OR_RETURN(const uint64_t largest_rows, LargestOwnedRows(comm, graph));
  started = std::chrono::steady_clock::now();
  absl::StatusOr<Embeddings> input = TrainPartitioned(
      comm, graph, options, names, counts, total[0], largest_rows, stats, started,
      &result.context);
  N2V_RETURN_IF_ERROR(input.status());
  stats.train_seconds = Seconds(started);
  N2V_RETURN_IF_ERROR(ZeroIsolatedRows(comm, graph, o, *input));
  std::vector<uint64_t> diverged = {internal::AllFinite(*input) ? 0u : 1u};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(diverged)));
  if (diverged[0] != 0) return internal::DivergedError(o);  // on every rank
  N2V_RETURN_IF_ERROR(CountModelBytes(comm, graph, largest_rows, o, stats));
  stats.wave_bytes = DistributedWaveBytes(options.walks_per_wave, largest_rows,
                                          o.walk.walk_length,
                                          static_cast<uint32_t>(comm.size()));
  stats.bytes_sent = comm.bytes_sent() - bytes_before;
  result.embeddings = *std::move(input);
  return result;
}

}  // namespace n2v::distributed
