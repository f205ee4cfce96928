// EmbedOptions: every setting of a node2vec run, its default, its limits and
// the one function that checks them. The CLI, the sidecar and the Neo4j
// plugin map their own names onto these fields and validate through
// ValidateEmbedOptions, passing their names so that errors speak the
// caller's language ("--dimensions ...", "params.embedding_dimension ...").
#ifndef N2V_EMBED_OPTIONS_H_
#define N2V_EMBED_OPTIONS_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "n2v/embeddings.h"
#include "n2v/option_names.h"
#include "n2v/walker.h"

namespace n2v {

// Limits. Above them a run is refused rather than attempted: the per-thread
// window block grows with window x negatives, and the caps on walks and
// epochs keep one request from occupying a server for days.
inline constexpr uint32_t kMaxDimensions = 1u << 16;
inline constexpr uint32_t kMaxWindow = 1000;
inline constexpr uint32_t kMaxNegatives = 1000;
// Across MPI ranks a centre draws at most this many times `negatives`, so
// that each block's nodes get the noise law's share of them
// (n2v/distributed, NegativeShares); the memory model counts that many.
inline constexpr double kMaxDistributedNegativeScale = 4.0;
inline constexpr uint32_t kMaxWalksPerNode = 100000;
inline constexpr uint32_t kMaxEpochs = 1000;
// (kMaxWalkLength is in walker.h.)

// What nodes without any edge get as a vector (they have no context to
// train on).
enum class IsolatedNodePolicy {
  kRandom,  // the seeded random initial vector, as word2vec leaves it
  kZero,    // all zeros
};

// The random vectors training starts from (the context vectors start at
// zero either way, as in word2vec).
enum class EmbeddingInitializer {
  kNormalized,  // uniform in [-0.5/d, 0.5/d): word2vec's (GDS's NORMALIZED)
  kUniform,     // uniform in [-1, 1) (GDS's UNIFORM)
};

// A field's default is its initialiser.
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
  EmbeddingInitializer initializer = EmbeddingInitializer::kNormalized;
  // Walks generated together (their cache misses overlap) before training
  // on them, >= 1; more than kMaxInterleavedWalks act as that many, and long
  // walks are batched fewer at a time. The walks themselves do not depend
  // on it.
  uint32_t walks_per_batch = 32;
  // Warm start: training starts from these vectors (matched by node id,
  // e.g. the previous run's), not from random ones. A node without one
  // starts from the mean of its neighbours' initial vectors, or randomly
  // when none has one. Not owned; must outlive the call; its dimension must
  // equal `dimensions`. Re-embedding (reembed.h) sets this and the next two
  // fields; most callers should use it rather than set them by hand.
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

// OK, or InvalidArgument naming the first field out of range in the
// caller's words: "<name> must be <rule>, got <value>".
absl::Status ValidateEmbedOptions(const EmbedOptions& options,
                                  const OptionNames& names = {});

}  // namespace n2v

#endif  // N2V_EMBED_OPTIONS_H_
