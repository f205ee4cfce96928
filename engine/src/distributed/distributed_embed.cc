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

// Centres a training task takes at once.
constexpr size_t kCentresPerChunk = 256;

// A node of a shared walk: where its vectors live, and its keep
// probability.
struct WaveNode {
  uint32_t row;
  int32_t owner;
  float keep;
};

// A wave's walks after subsampling, every rank's, in rank order.
struct KeptWalks {
  std::vector<uint64_t> begin = {0};  // walk w is nodes[begin[w], begin[w+1])
  std::vector<WaveNode> nodes;
};

struct Centre {
  uint32_t walk;
  uint32_t position;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

absl::Status CheckSupported(const DistributedEmbedOptions& o) {
  const EmbedOptions& e = o.embed;
  if (e.initial != nullptr || e.initial_context != nullptr) {
    return absl::InvalidArgumentError("distributed runs do not warm start");
  }
  if (e.keep_context) {
    return absl::InvalidArgumentError("distributed runs do not return context vectors");
  }
  if (e.batch_windows) {
    return absl::InvalidArgumentError("distributed runs train pair by pair (no batch_windows)");
  }
  if (o.walks_per_wave == 0 || o.walks_per_wave > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "walks per wave must be between 1 and ", UINT32_MAX, ", got ", o.walks_per_wave));
  }
  return absl::OkStatus();
}

// Every rank's walks of the wave, on every rank. Each walk's nodes carry
// their owner, row and keep probability.
absl::StatusOr<std::vector<std::string>> ShareWave(const Communicator& comm,
                                                   const DistributedWalkBlock& mine) {
  std::string bytes;
  AppendPod(bytes, static_cast<uint64_t>(mine.lengths.size()));
  for (uint32_t length : mine.lengths) AppendPod(bytes, length);
  for (size_t i = 0; i < mine.nodes.size(); ++i) {
    AppendPod(bytes, WaveNode{mine.rows[i], OwnerOf(mine.nodes[i], comm.size()),
                              mine.keep[i]});
  }
  std::vector<std::string> in;
  N2V_RETURN_IF_ERROR(comm.AllToAll(std::vector<std::string>(comm.size(), bytes), &in));
  return in;
}

// Subsamples the shared walks, with a random stream per walk named by the
// wave (`wave_key`), its home rank and its place there.
KeptWalks Subsample(const std::vector<std::string>& shared, uint64_t seed,
                    uint64_t wave_key, bool subsample) {
  KeptWalks kept;
  for (size_t rank = 0; rank < shared.size(); ++rank) {
    uint64_t walks = 0;
    std::memcpy(&walks, shared[rank].data(), sizeof walks);
    const std::string_view rest = std::string_view(shared[rank]).substr(sizeof walks);
    const std::vector<uint32_t> lengths =
        ReadPods<uint32_t>(rest.substr(0, walks * sizeof(uint32_t)));
    const std::vector<WaveNode> nodes =
        ReadPods<WaveNode>(rest.substr(walks * sizeof(uint32_t)));
    size_t at = 0;
    for (uint64_t w = 0; w < walks; ++w) {
      Rng rng(DeriveSeed(DeriveSeed(seed, internal::kSubsampleStream, wave_key),
                         rank, w));
      for (uint32_t i = 0; i < lengths[w]; ++i, ++at) {
        const WaveNode& n = nodes[at];
        if (!subsample || n.keep >= 1.0f || rng.UniformFloat() < n.keep) {
          kept.nodes.push_back(n);
        }
      }
      kept.begin.push_back(kept.nodes.size());
    }
  }
  return kept;
}

// The centres of the kept walks, by the rank that owns their context
// vectors (the block they are trained with).
std::vector<std::vector<Centre>> CentresByOwner(const KeptWalks& kept, int ranks) {
  std::vector<std::vector<Centre>> centres(ranks);
  for (uint32_t w = 0; w + 1 < kept.begin.size(); ++w) {
    for (uint64_t at = kept.begin[w]; at < kept.begin[w + 1]; ++at) {
      centres[kept.nodes[at].owner].push_back(
          {w, static_cast<uint32_t>(at - kept.begin[w])});
    }
  }
  return centres;
}

// Trains this rank's input rows against the context block it holds, the
// blocks moving one rank down the ring after each step.
class RingTrainer {
 public:
  RingTrainer(const Communicator& comm, const EmbedOptions& options,
              Embeddings& input, ContextBlock own, DistributedEmbedStats& stats)
      : comm_(comm), options_(options), input_(input), held_(std::move(own)),
        stats_(stats) {}

  // One wave: P steps, after which every block is home again. `wave` of
  // `waves` (over all epochs) sets the learning rate.
  absl::Status TrainWave(const KeptWalks& kept,
                         const std::vector<std::vector<Centre>>& centres,
                         uint64_t wave, uint64_t waves, LossSum& loss);

 private:
  // The pairs of `centres` (all in the held block) whose context is ours.
  void TrainBlock(const KeptWalks& kept, const std::vector<Centre>& centres,
                  uint64_t wave, double progress_from, double progress_span,
                  LossSum& loss);
  absl::Status PassBlockOn();

  const Communicator& comm_;
  const EmbedOptions& options_;
  Embeddings& input_;
  ContextBlock held_;
  DistributedEmbedStats& stats_;
};

absl::Status RingTrainer::TrainWave(const KeptWalks& kept,
                                    const std::vector<std::vector<Centre>>& centres,
                                    uint64_t wave, uint64_t waves, LossSum& loss) {
  const int ranks = comm_.size();
  for (int step = 0; step < ranks; ++step) {
    const double from = (wave + static_cast<double>(step) / ranks) / waves;
    auto started = std::chrono::steady_clock::now();
    TrainBlock(kept, centres[held_.owner()], wave, from, 1.0 / ranks / waves, loss);
    stats_.update_seconds += Seconds(started);
    started = std::chrono::steady_clock::now();
    const uint64_t sent_before = comm_.bytes_sent();
    if (ranks > 1) N2V_RETURN_IF_ERROR(PassBlockOn());
    stats_.ring_bytes_sent += comm_.bytes_sent() - sent_before;
    stats_.ring_seconds += Seconds(started);
  }
  return absl::OkStatus();
}

void RingTrainer::TrainBlock(const KeptWalks& kept, const std::vector<Centre>& centres,
                             uint64_t wave, double progress_from,
                             double progress_span, LossSum& loss) {
  const EmbedOptions& o = options_;
  const uint32_t stride = input_.stride();
  const int me = comm_.rank();
  const int threads = o.deterministic ? 1 : o.num_threads;
  std::vector<LossSum> chunk_loss((centres.size() + kCentresPerChunk - 1) /
                                  kCentresPerChunk);
  auto train = [&](size_t c, std::vector<float*>& outputs, std::vector<float>& g,
                   LossSum& l) {
    const Centre& centre = centres[c];
    const uint64_t begin = kept.begin[centre.walk];
    const auto length = static_cast<uint32_t>(kept.begin[centre.walk + 1] - begin);
    Rng rng(DeriveSeed(DeriveSeed(o.seed, internal::kTrainStream, wave),
                       centre.walk, centre.position));
    const uint32_t reach = o.shrink_window ? 1 + rng.Below(o.window) : o.window;
    const uint32_t lo = centre.position > reach ? centre.position - reach : 0;
    const uint32_t hi = std::min(length, centre.position + reach + 1);
    bool any = false;
    for (uint32_t j = lo; j < hi && !any; ++j) {
      any = j != centre.position && kept.nodes[begin + j].owner == me;
    }
    if (!any) return;
    const uint32_t centre_row = kept.nodes[begin + centre.position].row;
    uint32_t num_outputs = 0;
    outputs[num_outputs++] = held_.row(centre_row);
    for (uint32_t k = 0; k < o.negatives; ++k) {
      const uint32_t negative = held_.SampleNegative(rng);
      if (negative != centre_row) outputs[num_outputs++] = held_.row(negative);
    }
    const double progress = progress_from + progress_span * c / centres.size();
    const float lr = static_cast<float>(std::max<double>(
        o.min_learning_rate,
        o.initial_learning_rate -
            (static_cast<double>(o.initial_learning_rate) - o.min_learning_rate) *
                progress));
    LossSum* sampled = (centre.walk + centre.position) % internal::kLossSampleEvery == 0
                           ? &l : nullptr;
    for (uint32_t j = lo; j < hi; ++j) {
      const WaveNode& context = kept.nodes[begin + j];
      if (j == centre.position || context.owner != me) continue;
      float* in = input_.mutable_data() + size_t{context.row} * stride;
      internal::SgnsPairUpdate(in, outputs.data(), num_outputs, lr, stride, g.data(),
                               sampled);
      ++l.trained_pairs;
    }
  };
  auto train_chunk = [&](size_t chunk) {
    std::vector<float*> outputs(1 + o.negatives);
    std::vector<float> g(1 + o.negatives);
    const size_t end = std::min(centres.size(), (chunk + 1) * kCentresPerChunk);
    for (size_t c = chunk * kCentresPerChunk; c < end; ++c) {
      train(c, outputs, g, chunk_loss[chunk]);
    }
  };
  if (threads == 1) {
    // In order: the same bits on every run.
    for (size_t chunk = 0; chunk < chunk_loss.size(); ++chunk) train_chunk(chunk);
  } else {
    internal::RunInArena(threads, [&] {
      tbb::parallel_for(size_t{0}, chunk_loss.size(), train_chunk);
    });
  }
  for (const LossSum& l : chunk_loss) loss.Add(l);
}

absl::Status RingTrainer::PassBlockOn() {
  const int ranks = comm_.size();
  AlignedFloats arriving;
  uint64_t arriving_size = 0;
  N2V_RETURN_IF_ERROR(comm_.ShiftInto(held_.bytes(), (comm_.rank() + ranks - 1) % ranks,
                                      (comm_.rank() + 1) % ranks, [&](uint64_t size) {
                                        arriving_size = size;
                                        arriving = ContextBlock::Room(size);
                                        return reinterpret_cast<char*>(arriving.data());
                                      }));
  N2V_ASSIGN_OR_RETURN(held_, ContextBlock::FromBytes(std::move(arriving), arriving_size));
  return absl::OkStatus();
}

// Collective: Cancelled on every rank when any rank's flag is up.
absl::Status CheckCancelled(const Communicator& comm, const EmbedControl& control) {
  std::vector<uint64_t> raised = {
      control.cancel != nullptr && control.cancel->load(std::memory_order_relaxed)};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(raised)));
  if (raised[0] != 0) return absl::CancelledError("embedding cancelled");
  return absl::OkStatus();
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
  N2V_RETURN_IF_ERROR(GenerateDistributedWalks(
      comm, graph, walks, o.walks_per_wave,
      [](const DistributedWalkBlock&) { return absl::OkStatus(); }, nullptr, names,
      {.keep = {}, .counts = &counts}));
  return counts;
}

// Zeroes the rows of own nodes without arcs that no other node's walk
// reached (IsolatedNodePolicy::kZero).
void ZeroIsolatedRows(const PartitionedGraph& graph, const EmbedOptions& o,
                      const std::vector<uint64_t>& counts, Embeddings& rows) {
  if (o.isolated_nodes != IsolatedNodePolicy::kZero) return;
  for (size_t k = 0; k < rows.size(); ++k) {
    if (graph.local().out_degree(graph.owned()[k]) == 0 &&
        counts[k] <= o.walks_per_node) {
      auto row = rows.mutable_row(k);
      std::fill(row.begin(), row.end(), 0.0f);
    }
  }
}

}  // namespace

absl::StatusOr<DistributedEmbedResult> EmbedDistributed(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const OptionNames& names) {
  const EmbedOptions& o = options.embed;
  N2V_RETURN_IF_ERROR(ValidateEmbedOptions(o, names));
  N2V_RETURN_IF_ERROR(CheckSupported(options));
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
  std::vector<float> keep;
  std::vector<double> noise(counts.size());
  for (size_t k = 0; k < counts.size(); ++k) {
    noise[k] = internal::NoiseWeight(counts[k], o.negative_exponent);
    if (o.subsample > 0) {
      keep.push_back(internal::KeepProbability(counts[k], total[0], o.subsample));
    }
  }
  stats.count_seconds = Seconds(started);
  started = std::chrono::steady_clock::now();

  std::vector<int64_t> own_ids;
  for (NodeIndex v : graph.owned()) own_ids.push_back(graph.local().original_id(v));
  N2V_ASSIGN_OR_RETURN(NodeIdIndex ids, NodeIdIndex::Create(std::move(own_ids)));
  Embeddings input =
      InitialInputRows(graph, o, std::make_shared<const NodeIdIndex>(std::move(ids)));
  RingTrainer trainer(comm, o, input,
                      ContextBlock(comm.rank(), input.stride(), noise), stats);
  WalksOptions walks{.walk = o.walk,
                     .walks_per_node = o.walks_per_node,
                     .seed = o.seed,
                     .num_threads = o.num_threads,
                     .walk_from = o.walk_from};
  for (uint32_t epoch = 0; epoch < o.epochs; ++epoch) {
    LossSum loss;
    DistributedWalkStats epoch_walks;
    N2V_RETURN_IF_ERROR(GenerateDistributedWalks(
        comm, graph, walks, options.walks_per_wave,
        [&](const DistributedWalkBlock& block) -> absl::Status {
          const uint64_t wave = epoch * block.waves + block.wave;
          auto phase = std::chrono::steady_clock::now();
          const uint64_t sent_before = comm.bytes_sent();
          N2V_ASSIGN_OR_RETURN(std::vector<std::string> shared, ShareWave(comm, block));
          stats.share_bytes_sent += comm.bytes_sent() - sent_before;
          stats.share_seconds += Seconds(phase);
          phase = std::chrono::steady_clock::now();
          const KeptWalks kept = Subsample(shared, o.seed, wave, o.subsample > 0);
          shared.clear();
          const auto centres = CentresByOwner(kept, comm.size());
          stats.prepare_seconds += Seconds(phase);
          N2V_RETURN_IF_ERROR(
              trainer.TrainWave(kept, centres, wave, o.epochs * block.waves, loss));
          ReportProgress(options.control, wave + 1, o.epochs * block.waves, epoch, loss,
                         stats, started);
          return CheckCancelled(comm, options.control);
        },
        &epoch_walks, names, {.keep = keep}));
    stats.walks.walks += epoch_walks.walks;
    stats.walks.steps += epoch_walks.steps;
    stats.walks.migrations += epoch_walks.migrations;
    stats.walks.arc_queries += epoch_walks.arc_queries;
    stats.walks.rounds += epoch_walks.rounds;
    std::vector<double> epoch_loss = {loss.sum, static_cast<double>(loss.pairs),
                                      static_cast<double>(loss.trained_pairs)};
    N2V_RETURN_IF_ERROR(comm.SumAll(std::span<double>(epoch_loss)));
    stats.loss_per_epoch.push_back(epoch_loss[1] > 0 ? epoch_loss[0] / epoch_loss[1] : 0);
    stats.trained_pairs += static_cast<uint64_t>(epoch_loss[2]);
  }
  stats.train_seconds = Seconds(started);
  ZeroIsolatedRows(graph, o, counts, input);
  std::vector<uint64_t> diverged = {internal::AllFinite(input) ? 0u : 1u};
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(diverged)));
  if (diverged[0] != 0) return internal::DivergedError(o);  // on every rank
  std::vector<uint64_t> largest = {graph.owned().size()};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(largest)));
  stats.model_bytes = DistributedModelBytes(graph.owned().size(), largest[0], o.dimensions);
  std::vector<uint64_t> max_model = {stats.model_bytes};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(max_model)));
  stats.max_model_bytes = max_model[0];
  stats.bytes_sent = comm.bytes_sent() - bytes_before;
  result.embeddings = std::move(input);
  return result;
}

}  // namespace n2v::distributed
