// Embed: node2vec end to end on a built graph. Walks are generated on the
// fly, in chunks, and fed straight to skip-gram with negative sampling; the
// walk corpus is never held in memory.
//
// Pipeline: (1) a counting pass generates every walk once to count node
// occurrences (for the unigram^0.75 negative distribution and frequent-node
// subsampling); (2) the training pass regenerates the same walks (each walk's
// random state derives from the seed and the walk's index) and trains on
// them, epoch after epoch, with the learning rate decayed linearly over the
// whole run.
//
// Modes:
//  * fast (default): lock-free "Hogwild" updates from all threads. Walks are
//    identical for a seed; vectors vary slightly between runs.
//  * deterministic: the corpus is cut into super-steps of a fixed number of
//    shards; each shard trains on a private copy of the rows it touches and
//    the shards' changes are merged in shard order. The same input and seed
//    give bit-identical vectors for any thread count and any run.
#ifndef N2V_EMBED_H_
#define N2V_EMBED_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "n2v/embed_options.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"

namespace n2v {

enum class EmbedPhase { kCounting, kTraining, kDone };
std::string_view EmbedPhaseName(EmbedPhase phase);

struct EmbedProgress {
  EmbedPhase phase = EmbedPhase::kCounting;
  double fraction = 0;      // of the current phase, 0..1
  double overall = 0;       // of the whole run, 0..1
  uint64_t walks_done = 0;  // in the current phase
  uint64_t walks_total = 0;
  double nodes_per_second = 0;  // walk nodes (words) processed per second
  double loss = 0;          // mean SGNS loss of the current epoch (sampled)
  uint32_t epoch = 0;
  double elapsed_seconds = 0;
};

struct EmbedControl {
  // Called at most every `progress_interval` from worker threads, never
  // concurrently with itself; keep it short.
  std::function<void(const EmbedProgress&)> on_progress;
  absl::Duration progress_interval = absl::Milliseconds(200);
  // When set and true, Embed stops within a few milliseconds and returns
  // Cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

struct EmbedStats {
  uint64_t warm_started_nodes = 0;  // nodes that took an initial vector
  uint64_t neighbour_started_nodes = 0;  // new nodes seeded by neighbours
  double count_seconds = 0;
  double train_seconds = 0;
  uint64_t walks = 0;            // per epoch
  uint64_t walk_nodes = 0;       // nodes in all walks of one epoch
  uint64_t trained_nodes = 0;    // after subsampling, all epochs
  // Mean skip-gram loss of a (context, centre) pair with its negatives,
  // per epoch (sampled: one centre in 32).
  std::vector<double> loss_per_epoch;
  // The loss summed over every pair of the epoch (the sampled mean times
  // the pairs trained), as Neo4j GDS reports lossPerIteration.
  std::vector<double> loss_sum_per_epoch;
  uint64_t model_bytes = 0;      // vectors, tables and per-thread state
};

struct EmbedResult {
  Embeddings embeddings;
  // The output vectors of skip-gram, when EmbedOptions::keep_context
  // (empty otherwise).
  Embeddings context;
  EmbedStats stats;
};

// Runs node2vec on `graph`. Errors: InvalidArgument for bad options, an
// empty graph, initial vectors of another dimension, a walk_from id not in
// the graph, or training that diverged to NaN/infinite values (a learning
// rate far too high); Cancelled when the control's flag was raised.
// `names` spell the options in errors as the caller does.
absl::StatusOr<EmbedResult> Embed(const CsrGraph& graph,
                                  const EmbedOptions& options,
                                  const EmbedControl& control = {},
                                  const OptionNames& names = {});

}  // namespace n2v

#endif  // N2V_EMBED_H_
