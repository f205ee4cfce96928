// RankGroup: the command a leader broadcasts, and each side of a job: the
// graph and any previous vectors spread from the leader, ReembedDistributed
// on every rank, and the rows collected on the leader.
#include "n2v/distributed/rank_group.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/distributed_reembed.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/distributed/route_rows.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Rows per piece when the vectors come back to the leader (each piece is
// held a few times there while it is merged).
constexpr uint64_t kRowsPerPiece = 1 << 13;

enum class Command : uint32_t { kStop = 1, kEmbed = 2 };

// ReembedOptions' values and which previous matrices the leader holds.
struct WireReembed {
  double max_changed_fraction;
  uint8_t warm_start, has_align, align, incremental;
  uint8_t learning_rate_chosen, min_learning_rate_chosen;
  uint8_t has_vectors, has_context, has_align_to, has_changed;
  uint8_t unused[6];
};

bool Has(const Embeddings* e) { return e != nullptr && e->size() > 0; }

WireReembed EncodeReembed(const ReembedOptions& r, const PreviousEmbedding& previous) {
  WireReembed w{};
  w.max_changed_fraction = r.max_changed_fraction;
  w.warm_start = r.warm_start;
  w.has_align = r.align.has_value();
  w.align = r.align.value_or(false);
  w.incremental = r.incremental;
  w.learning_rate_chosen = r.learning_rate_chosen;
  w.min_learning_rate_chosen = r.min_learning_rate_chosen;
  // Only what the run uses is spread: the previous vectors to start from
  // or rotate onto, the context to start from, the changed ids to choose
  // incremental starts and to measure drift.
  const bool aligns = WillAlign(r);
  w.has_align_to = aligns && Has(previous.align_to);
  w.has_vectors = Has(previous.vectors) && (r.warm_start || (aligns && !w.has_align_to));
  w.has_context = Has(previous.context) && r.warm_start && w.has_vectors;
  w.has_changed = (aligns || r.incremental) && previous.changed_nodes != nullptr;
  return w;
}

ReembedOptions DecodeReembed(const WireReembed& w) {
  ReembedOptions r;
  r.warm_start = w.warm_start;
  if (w.has_align) r.align = w.align != 0;
  r.incremental = w.incremental;
  r.max_changed_fraction = w.max_changed_fraction;
  r.learning_rate_chosen = w.learning_rate_chosen;
  r.min_learning_rate_chosen = w.min_learning_rate_chosen;
  return r;
}

// EmbedOptions' values, as the followers need them.
struct WireOptions {
  uint32_t command;
  uint32_t walk_length;
  double p, q;
  uint32_t walks_per_node, dimensions, window, negatives, epochs, walks_per_batch;
  double negative_exponent, subsample;
  float initial_learning_rate, min_learning_rate;
  uint64_t seed;
  int32_t num_threads;
  uint8_t shrink_window, batch_windows, deterministic, isolated_zero, uniform_init;
  uint8_t keep_context;  // every rank must agree: it ends training with a collective
  uint8_t unused[2];
  uint64_t walks_per_wave;  // the group's, set by the leader
};

std::string EncodeEmbed(const EmbedOptions& o, const WireReembed& reembed,
                        uint64_t walks_per_wave) {
  WireOptions w{};
  w.command = static_cast<uint32_t>(Command::kEmbed);
  w.walks_per_wave = walks_per_wave;
  w.walk_length = o.walk.walk_length;
  w.p = o.walk.p;
  w.q = o.walk.q;
  w.walks_per_node = o.walks_per_node;
  w.dimensions = o.dimensions;
  w.window = o.window;
  w.negatives = o.negatives;
  w.epochs = o.epochs;
  w.walks_per_batch = o.walks_per_batch;
  w.negative_exponent = o.negative_exponent;
  w.subsample = o.subsample;
  w.initial_learning_rate = o.initial_learning_rate;
  w.min_learning_rate = o.min_learning_rate;
  w.seed = o.seed;
  w.num_threads = o.num_threads;
  w.shrink_window = o.shrink_window;
  w.batch_windows = o.batch_windows;
  w.deterministic = o.deterministic;
  w.isolated_zero = o.isolated_nodes == IsolatedNodePolicy::kZero;
  w.uniform_init = o.initializer == EmbeddingInitializer::kUniform;
  w.keep_context = o.keep_context;
  std::string bytes;
  AppendPod(bytes, w);
  AppendPod(bytes, reembed);
  for (int64_t id : o.walk_from) AppendPod(bytes, id);
  return bytes;
}

EmbedOptions DecodeEmbed(std::string_view bytes, WireReembed* reembed,
                         uint64_t* walks_per_wave) {
  WireOptions w;
  std::memcpy(&w, bytes.data(), sizeof w);
  std::memcpy(reembed, bytes.data() + sizeof w, sizeof *reembed);
  *walks_per_wave = w.walks_per_wave;
  EmbedOptions o;
  o.walk = {.p = w.p, .q = w.q, .walk_length = w.walk_length};
  o.walks_per_node = w.walks_per_node;
  o.dimensions = w.dimensions;
  o.window = w.window;
  o.negatives = w.negatives;
  o.epochs = w.epochs;
  o.walks_per_batch = w.walks_per_batch;
  o.negative_exponent = w.negative_exponent;
  o.subsample = w.subsample;
  o.initial_learning_rate = w.initial_learning_rate;
  o.min_learning_rate = w.min_learning_rate;
  o.seed = w.seed;
  o.num_threads = w.num_threads;
  o.shrink_window = w.shrink_window;
  o.batch_windows = w.batch_windows;
  o.deterministic = w.deterministic;
  o.isolated_nodes = w.isolated_zero ? IsolatedNodePolicy::kZero : IsolatedNodePolicy::kRandom;
  o.initializer =
      w.uniform_init ? EmbeddingInitializer::kUniform : EmbeddingInitializer::kNormalized;
  o.keep_context = w.keep_context;
  o.walk_from = ReadPods<int64_t>(bytes.substr(sizeof w + sizeof *reembed));
  return o;
}

// Collective: each rank's share of the leader's `whole` rows (null on the
// followers): the rows of the ids it owns, sent a piece at a time.
absl::StatusOr<Embeddings> SpreadRows(const Communicator& comm, const Embeddings* whole,
                                      uint32_t dimensions) {
  size_t begin = 0;
  auto next = [&]() -> absl::StatusOr<Embeddings> {
    if (whole == nullptr || begin >= whole->size()) return Embeddings();
    const size_t end = std::min(whole->size(), begin + kRowsPerRoutedPiece);
    Embeddings piece = RowSlice(*whole, begin, end);
    begin = end;
    return piece;
  };
  std::string count;
  if (whole != nullptr) AppendPod(count, static_cast<uint64_t>(whole->size()));
  N2V_RETURN_IF_ERROR(comm.Broadcast(&count, 0));
  return RouteRowsToOwners(comm, dimensions, next, ReadPods<uint64_t>(count)[0] / comm.size());
}

// Collective: each rank's share of the leader's changed node ids.
absl::StatusOr<std::vector<int64_t>> SpreadIds(const Communicator& comm,
                                               const std::vector<int64_t>* whole) {
  std::vector<std::string> out(comm.size());
  if (whole != nullptr) {
    for (int64_t id : *whole) AppendPod(out[OwnerOf(id, comm.size())], id);
  }
  std::vector<std::string> in;
  N2V_RETURN_IF_ERROR(comm.AllToAll(out, &in));
  return ReadPods<int64_t>(in[0]);
}

// Collective: spreads what the wire says the leader holds (`previous` is
// the leader's; empty on the followers).
absl::StatusOr<HeldPrevious> SpreadPrevious(const Communicator& comm,
                                              const WireReembed& w,
                                              const PreviousEmbedding& previous,
                                              uint32_t dimensions) {
  HeldPrevious shares;
  if (w.has_vectors) {
    N2V_ASSIGN_OR_RETURN(shares.vectors, SpreadRows(comm, previous.vectors, dimensions));
  }
  if (w.has_context) {
    N2V_ASSIGN_OR_RETURN(shares.context, SpreadRows(comm, previous.context, dimensions));
  }
  if (w.has_align_to) {
    N2V_ASSIGN_OR_RETURN(shares.align_to, SpreadRows(comm, previous.align_to, dimensions));
  }
  if (w.has_changed) {
    N2V_ASSIGN_OR_RETURN(shares.changed_nodes, SpreadIds(comm, previous.changed_nodes));
  }
  return shares;
}

// Where a job's rows go on the leader: its input rows, and its context
// rows when the job keeps them.
struct RowSinks {
  absl::FunctionRef<absl::Status(const Embeddings&)> input;
  absl::FunctionRef<absl::Status(const Embeddings&)> context;
};

// One job on every rank: spread the graph and the previous vectors,
// re-embed, collect on the leader (where the sinks get the pieces).
// `whole` and `previous` are the leader's.
absl::StatusOr<DistributedReembedResult> RunJob(
    const Communicator& comm, const CsrGraph* whole, const EmbedOptions& options,
    uint64_t walks_per_wave, const WireReembed& wire, const PreviousEmbedding& previous,
    const EmbedControl& control, const OptionNames& names, const RowSinks& sinks) {
  N2V_ASSIGN_OR_RETURN(
      PartitionedGraph part,
      PartitionedGraph::FromWhole(comm, whole, 0, options.num_threads));
  N2V_ASSIGN_OR_RETURN(HeldPrevious shares,
                       SpreadPrevious(comm, wire, previous, options.dimensions));
  N2V_ASSIGN_OR_RETURN(
      DistributedReembedResult result,
      ReembedDistributed(comm, part,
                         {.embed = options, .walks_per_wave = walks_per_wave,
                          .control = control},
                         DecodeReembed(wire), shares.pointers(), names));
  // A sink fails on the leader only: every rank learns of it before the
  // next collective.
  N2V_RETURN_IF_ERROR(AgreeOnStatus(
      comm, GatherRows(comm, result.embed.embeddings, kRowsPerPiece, 0, sinks.input),
      "collecting the vectors"));
  std::vector<uint64_t> context_rows = {result.embed.context.size()};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(context_rows)));
  if (context_rows[0] > 0) {
    N2V_RETURN_IF_ERROR(AgreeOnStatus(
        comm, GatherRows(comm, result.embed.context, kRowsPerPiece, 0, sinks.context),
        "collecting the context vectors"));
  }
  return result;
}

// EmbedStats from a distributed run's.
EmbedStats StatsOf(const DistributedEmbedStats& d, uint64_t walks_per_epoch) {
  EmbedStats s;
  s.count_seconds = d.count_seconds;
  s.train_seconds = d.train_seconds;
  s.walks = walks_per_epoch;
  s.walk_nodes = d.walk_nodes;
  s.loss_per_epoch = d.loss_per_epoch;
  const double pairs_per_epoch =
      d.loss_per_epoch.empty() ? 0 : static_cast<double>(d.trained_pairs) / d.loss_per_epoch.size();
  for (double loss : d.loss_per_epoch) s.loss_sum_per_epoch.push_back(loss * pairs_per_epoch);
  s.model_bytes = d.max_model_bytes;
  s.warm_started_nodes = d.warm_started_nodes;
  s.neighbour_started_nodes = d.neighbour_started_nodes;
  return s;
}

// A run from no previous vectors: an embedding.
ReembedOptions ColdRun() {
  ReembedOptions cold;
  cold.warm_start = false;
  return cold;
}

// A sink that copies pieces into `rows`, by id, in `graph`'s order.
auto CopyInto(const CsrGraph& graph, Embeddings& rows) {
  return [&graph, &rows](const Embeddings& piece) -> absl::Status {
    for (size_t r = 0; r < piece.size(); ++r) {
      const auto row = graph.ids().Find(piece.id(r));
      if (!row) {
        return absl::InternalError(
            absl::StrCat("node id ", piece.id(r), " came back but is not in the graph"));
      }
      std::copy(piece.row(r).begin(), piece.row(r).end(), rows.mutable_row(*row).begin());
    }
    return absl::OkStatus();
  };
}

}  // namespace

absl::Status RankGroup::Follow() {
  while (true) {
    std::string command;
    N2V_RETURN_IF_ERROR(comm_.BroadcastPatiently(&command, 0));
    uint32_t kind = 0;
    if (command.size() >= sizeof kind) std::memcpy(&kind, command.data(), sizeof kind);
    if (kind != static_cast<uint32_t>(Command::kEmbed)) return absl::OkStatus();
    // A job's failure is the leader's to report; MPI failures and a lost
    // rank end the group.
    WireReembed wire;
    uint64_t walks_per_wave = 0;
    const EmbedOptions options = DecodeEmbed(command, &wire, &walks_per_wave);
    auto ignore = [](const Embeddings&) { return absl::OkStatus(); };
    // The leader's cancel of this job, heard on the heartbeats.
    EmbedControl control;
    ++jobs_;
    if (watch_ != nullptr) control.cancel = watch_->CancelOf(jobs_);
    absl::StatusOr<DistributedReembedResult> job = RunJob(
        comm_, nullptr, options, walks_per_wave, wire, {}, control, {}, {ignore, ignore});
    if (!job.ok() && (job.status().code() == absl::StatusCode::kInternal ||
                      job.status().code() == absl::StatusCode::kUnavailable)) {
      return job.status();
    }
  }
}

absl::StatusOr<EmbedResult> RankGroup::Embed(const CsrGraph& graph,
                                             const EmbedOptions& options,
                                             const EmbedControl& control,
                                             const OptionNames& names) {
  N2V_ASSIGN_OR_RETURN(ReembedResult result,
                       Reembed(graph, options, ColdRun(), {}, control, names));
  return std::move(result.embed);
}

absl::StatusOr<ReembedResult> RankGroup::Reembed(const CsrGraph& graph,
                                                 const EmbedOptions& options,
                                                 const ReembedOptions& reembed,
                                                 const PreviousEmbedding& previous,
                                                 const EmbedControl& control,
                                                 const OptionNames& names) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return absl::UnavailableError("the ranks have stopped");
  const WireReembed wire = EncodeReembed(reembed, previous);
  std::string command = EncodeEmbed(options, wire, walks_per_wave_);
  N2V_RETURN_IF_ERROR(comm_.BroadcastPatiently(&command, 0));
  // The heartbeats name this job while its cancel is raised, until it ends.
  ++jobs_;
  if (watch_ != nullptr) watch_->RelayCancel(jobs_, control.cancel);
  absl::Cleanup stop_relaying = [this] {
    if (watch_ != nullptr) watch_->RelayCancel(0, nullptr);
  };
  ReembedResult result;
  result.embed.embeddings = Embeddings(graph.shared_ids(), options.dimensions);
  // Context rows come back only when the run keeps them.
  const bool keep_context = ResolveReembedOptions(options, reembed, previous).keep_context;
  Embeddings context =
      keep_context ? Embeddings(graph.shared_ids(), options.dimensions) : Embeddings();
  N2V_ASSIGN_OR_RETURN(
      DistributedReembedResult run,
      RunJob(comm_, &graph, options, walks_per_wave_, wire, previous, control, names,
             {CopyInto(graph, result.embed.embeddings), CopyInto(graph, context)}));
  if (keep_context) result.embed.context = std::move(context);
  result.embed.stats =
      StatsOf(run.embed.stats, run.report.walk_start_nodes * options.walks_per_node);
  result.report = run.report;
  return result;
}

absl::Status RankGroup::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  std::string command;
  AppendPod(command, static_cast<uint32_t>(Command::kStop));
  return comm_.BroadcastPatiently(&command, 0);
}

}  // namespace n2v::distributed
