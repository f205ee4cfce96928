// RankGroup: the command a leader broadcasts, and each side of a job.
#include "n2v/distributed/rank_group.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/distributed/gather_rows.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Rows per piece when the vectors come back to the leader (each piece is
// held a few times there while it is merged).
constexpr uint64_t kRowsPerPiece = 1 << 13;

enum class Command : uint32_t { kStop = 1, kEmbed = 2 };

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
  uint8_t unused[3];
};

std::string EncodeEmbed(const EmbedOptions& o) {
  WireOptions w{};
  w.command = static_cast<uint32_t>(Command::kEmbed);
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
  std::string bytes;
  AppendPod(bytes, w);
  for (int64_t id : o.walk_from) AppendPod(bytes, id);
  return bytes;
}

EmbedOptions DecodeEmbed(std::string_view bytes) {
  WireOptions w;
  std::memcpy(&w, bytes.data(), sizeof w);
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
  o.walk_from = ReadPods<int64_t>(bytes.substr(sizeof w));
  return o;
}

// One job on every rank: spread the graph, train, collect on the leader
// (where `sink` gets the pieces). `whole` is the leader's graph.
absl::StatusOr<DistributedEmbedStats> RunJob(
    const Communicator& comm, const CsrGraph* whole, const EmbedOptions& options,
    const EmbedControl& control, const OptionNames& names,
    absl::FunctionRef<absl::Status(const Embeddings&)> sink) {
  N2V_ASSIGN_OR_RETURN(
      PartitionedGraph part,
      PartitionedGraph::FromWhole(comm, whole, 0, options.num_threads));
  N2V_ASSIGN_OR_RETURN(
      DistributedEmbedResult result,
      EmbedDistributed(comm, part, {.embed = options, .control = control}, names));
  N2V_RETURN_IF_ERROR(GatherRows(comm, result.embeddings, kRowsPerPiece, 0, sink));
  return result.stats;
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
  return s;
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
    absl::StatusOr<DistributedEmbedStats> job = RunJob(
        comm_, nullptr, DecodeEmbed(command), {}, {},
        [](const Embeddings&) { return absl::OkStatus(); });
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
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return absl::UnavailableError("the ranks have stopped");
  std::string command = EncodeEmbed(options);
  N2V_RETURN_IF_ERROR(comm_.BroadcastPatiently(&command, 0));
  EmbedResult result;
  result.embeddings = Embeddings(graph.shared_ids(), options.dimensions);
  N2V_ASSIGN_OR_RETURN(
      DistributedEmbedStats stats,
      RunJob(comm_, &graph, options, control, names, [&](const Embeddings& piece) {
        for (size_t r = 0; r < piece.size(); ++r) {
          const auto row = graph.ids().Find(piece.id(r));
          if (!row) {
            return absl::InternalError(
                absl::StrCat("node id ", piece.id(r), " came back but is not in the graph"));
          }
          std::copy(piece.row(r).begin(), piece.row(r).end(),
                    result.embeddings.mutable_row(*row).begin());
        }
        return absl::OkStatus();
      }));
  const uint64_t starts = options.walk_from.empty() ? graph.num_nodes()
                                                    : options.walk_from.size();
  result.stats = StatsOf(stats, starts * options.walks_per_node);
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
