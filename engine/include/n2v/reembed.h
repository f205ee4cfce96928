// Reembed: a new embedding of a graph that was embedded before, kept close
// to the previous vectors so that what was built on them keeps working.
//
// This is the one home of re-embedding policy; the CLI, the sidecar and the
// Neo4j plugin call it and keep none of their own:
//  * Warm start: both matrices start from the previous run's (input and
//    context) vectors, and training runs at a small learning rate
//    (kWarmLearningRate decaying to kWarmMinLearningRate) unless the caller
//    chose one, so unchanged parts of the graph stay put. Nodes the previous
//    run did not have start from the mean of their neighbours' vectors.
//  * Incremental: walks start only from the nodes whose edges changed and
//    from nodes without a previous vector, when those are at most
//    max_changed_fraction of the graph; otherwise the whole graph is walked.
//    When nothing changed and both previous matrices are known, the previous
//    vectors are the answer and nothing is trained.
//  * Alignment (by default when warm-starting): the result is rotated onto
//    the previous vectors (orthogonal Procrustes over the shared nodes). Both matrices turn by the same
//    rotation, so the pair stays consistent for the next warm start. Drift is
//    measured over the shared nodes whose edges did not change.
//  * The context vectors are kept whenever a warm start was asked for: the
//    next warm start needs them.
// A run with neither warm_start nor align (or with no previous vectors) is
// an ordinary Embed.
#ifndef N2V_REEMBED_H_
#define N2V_REEMBED_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/alignment.h"
#include "n2v/embed.h"

namespace n2v {

inline constexpr float kWarmLearningRate = 0.001f;
inline constexpr float kWarmMinLearningRate = kWarmLearningRate / 25;
inline constexpr double kDefaultMaxChangedFraction = 0.1;

// What a previous run left. Pointers are not owned and must outlive the
// call; null and empty mean the same: not known.
struct PreviousEmbedding {
  // Its input vectors (the embedding users saw).
  const Embeddings* vectors = nullptr;
  // Its context (output) vectors. Without them a warm start restarts the
  // context matrix from zero and drifts several times more.
  const Embeddings* context = nullptr;
  // Ids of the nodes whose edges changed since (DiffGraphs(...).changed).
  // Null when unknown: then nothing counts as unchanged and an incremental
  // run walks the whole graph.
  const std::vector<int64_t>* changed_nodes = nullptr;
  // What to rotate onto; null: `vectors`.
  const Embeddings* align_to = nullptr;
};

struct ReembedOptions {
  // Train from the previous vectors rather than random ones.
  bool warm_start = true;
  // Rotate the result onto the previous vectors and measure the drift.
  // Unset: when warm-starting (WillAlign).
  std::optional<bool> align;
  // Walk only from changed and new nodes (needs warm_start).
  bool incremental = false;
  // Incremental runs walk the whole graph when more than this fraction of
  // its nodes changed; in (0, 1].
  double max_changed_fraction = kDefaultMaxChangedFraction;
  // Whether EmbedOptions' learning rates are the caller's choice. When not,
  // a warm start trains at kWarmLearningRate decaying to
  // kWarmMinLearningRate; a cold run keeps EmbedOptions' rates.
  bool learning_rate_chosen = false;
  bool min_learning_rate_chosen = false;
};

// The options the run trains with: the previous vectors as the starting
// point, the warm learning rates, and the context kept, as the rules above
// say. Reembed uses it; callers may use it to report what a run will do.
// `options.walk_from` is left as given (Reembed chooses incremental starts).
EmbedOptions ResolveReembedOptions(const EmbedOptions& options,
                                   const ReembedOptions& reembed,
                                   const PreviousEmbedding& previous);

// Whether a previous run's input and context vectors are known. A
// distributed run decides it over every rank: one rank's share of them may
// be empty while another's is not.
struct PreviousKnown {
  bool vectors = false;
  bool context = false;
};
// ResolveReembedOptions with what is known given apart from the pointers.
EmbedOptions ResolveReembedOptions(const EmbedOptions& options,
                                   const ReembedOptions& reembed,
                                   const PreviousEmbedding& previous,
                                   PreviousKnown known);

struct ReembedReport {
  bool warm_started = false;       // the previous vectors were the start
  bool incremental = false;        // walks started only from some nodes
  uint64_t walk_start_nodes = 0;   // nodes walks started from (0: none ran)
  bool aligned = false;            // rotated onto the previous vectors
  DriftStats drift;                // when aligned
  uint64_t drift_measured_nodes = 0;  // nodes the drift figures cover
};

struct ReembedResult {
  EmbedResult embed;  // embed.context holds the context vectors when kept
  ReembedReport report;
};

// Whether the run rotates onto the previous vectors: `align` when set,
// otherwise when it warm-starts.
inline bool WillAlign(const ReembedOptions& reembed) {
  return reembed.align.value_or(reembed.warm_start);
}

// OK, or InvalidArgument naming the field (as `names` spells it): the
// resolved options out of range (ValidateEmbedOptions), incremental without
// warm_start, max_changed_fraction outside (0, 1], or previous vectors (when
// warm_start or align would use them) whose dimension is not
// options.dimensions.
absl::Status ValidateReembed(const EmbedOptions& options,
                             const ReembedOptions& reembed,
                             const PreviousEmbedding& previous,
                             const OptionNames& names = {});

// Runs the re-embedding. Errors: those of ValidateReembed and Embed.
absl::StatusOr<ReembedResult> Reembed(const CsrGraph& graph,
                                      const EmbedOptions& options,
                                      const ReembedOptions& reembed,
                                      const PreviousEmbedding& previous,
                                      const EmbedControl& control = {},
                                      const OptionNames& names = {});

}  // namespace n2v

#endif  // N2V_REEMBED_H_
