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
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/walker.h"

namespace n2v {

// What nodes without any edge get as a vector (they have no context to
// train on).
enum class IsolatedNodePolicy {
  kRandom,  // the seeded random initial vector, as word2vec leaves it
  kZero,    // all zeros
};

struct EmbedOptions {
  WalkParams walk;
  uint32_t walks_per_node = 10;      // r
  uint32_t dimensions = 128;         // d
  uint32_t window = 10;              // k, context nodes per side
  // Draw the effective window per centre uniformly from 1..window, as
  // word2vec and gensim do (nearer nodes weigh more).
  bool shrink_window = true;
  uint32_t negatives = 5;            // negative samples per positive pair
  // Each centre's negatives are shared by all its contexts (Ji et al.,
  // 2016), and its (context, centre) pairs are trained one after another.
  // batch_windows trains the whole window as one block instead, every pair
  // computed from the same rows: about 1.3x faster training, but the
  // window's gradients then pile up on the centre and negative rows at
  // once, which costs quality where walks stay local (p < 1: link
  // prediction AUC on Facebook at p = 0.25, q = 4 drops from 0.990 to
  // 0.985).
  bool batch_windows = false;
  double negative_exponent = 0.75;   // unigram exponent of the noise law
  uint32_t epochs = 1;
  float initial_learning_rate = 0.025f;
  float min_learning_rate = 0.0001f;
  // Frequent-node subsampling threshold (word2vec's `sample`); 0 disables.
  double subsample = 0.001;
  uint64_t seed = 1;
  int num_threads = 0;               // 0 = all available cores
  bool deterministic = false;
  IsolatedNodePolicy isolated_nodes = IsolatedNodePolicy::kRandom;
  // Warm start: training starts from these vectors (matched by node id,
  // e.g. the previous run's), not from random ones. A node without one
  // starts from the mean of its neighbours' initial vectors, or randomly
  // when none has one. Not owned; must outlive the call; its dimension must
  // equal `dimensions`.
  const Embeddings* initial = nullptr;
  // Warm start of the context (output) vectors, from a previous run's
  // EmbedResult::context. With both matrices warm, training continues from
  // a converged model and unchanged nodes barely move; with only `initial`
  // the context vectors restart from zero and everything drifts more.
  const Embeddings* initial_context = nullptr;
  // Return the context vectors in EmbedResult::context.
  bool keep_context = false;
  // Incremental mode: walks start only from these node ids (e.g. the nodes
  // around a change), `walks_per_node` each; other nodes are trained only
  // where those walks reach. Meant for warm starts. Empty: every node.
  std::vector<int64_t> walk_from;
};

// InvalidArgument naming the first field out of range.
absl::Status ValidateEmbedOptions(const EmbedOptions& options);

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
  std::vector<double> loss_per_epoch;
  uint64_t model_bytes = 0;      // vectors, tables and per-thread state
};

struct EmbedResult {
  Embeddings embeddings;
  // The output vectors of skip-gram, when EmbedOptions::keep_context.
  Embeddings context;
  EmbedStats stats;
};

// Memory an Embed call needs beyond the graph, in bytes: `peak` while it
// runs (both vector matrices, noise and subsampling tables, sampler tables,
// per-thread buffers and, in deterministic mode, the shards' row copies) and
// `result` for the returned embeddings. Upper bounds, for admission control.
struct EmbedMemory {
  uint64_t peak = 0;
  uint64_t result = 0;
};
EmbedMemory EstimateEmbedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                bool weighted, const EmbedOptions& options);

// Runs node2vec on `graph`. Errors: InvalidArgument for bad options, an
// empty graph, initial vectors of another dimension, a walk_from id not in
// the graph, or training that diverged to NaN/infinite values (a learning
// rate far too high); Cancelled when the control's flag was raised.
absl::StatusOr<EmbedResult> Embed(const CsrGraph& graph,
                                  const EmbedOptions& options,
                                  const EmbedControl& control = {});

}  // namespace n2v

#endif  // N2V_EMBED_H_
