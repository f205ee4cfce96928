// The rows training starts from: word2vec's random input rows, a previous
// run's rows copied in by node id (warm start), and neighbour means for the
// nodes a previous run did not have.
#ifndef N2V_INTERNAL_INITIAL_ROWS_H_
#define N2V_INTERNAL_INITIAL_ROWS_H_

#include <cstdint>
#include <span>

#include "absl/status/statusor.h"
#include "n2v/embed_options.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"

namespace n2v::internal {

// Most bytes the neighbour means accumulate at once (doubles, one row per
// node being seeded): more nodes than fit are seeded in several passes over
// the arcs, each pass adding in the same order, so the result does not
// depend on the block size.
inline constexpr uint64_t kSeedBlockBytes = uint64_t{32} << 20;

// One random row from stream `key` (the row's index, or in a distributed
// run its node id): uniform in [-0.5/d, 0.5/d) (word2vec's) or in [-1, 1).
void InitializeRow(std::span<float> row, uint64_t seed, uint64_t key,
                   EmbeddingInitializer initializer);

// Random rows, one stream per row: uniform in [-0.5/d, 0.5/d) (word2vec's)
// or in [-1, 1).
void InitializeInputRows(Embeddings& rows, uint64_t seed,
                         EmbeddingInitializer initializer);

// What a warm start did.
struct WarmStartCounts {
  uint64_t copied = 0;  // rows taken from the previous vectors
  uint64_t seeded = 0;  // rows set to the mean of their neighbours' copies
};

// Copies the previous vectors into the rows of the nodes that have one, and
// seeds each other node that has a neighbour with one (in or out, ignoring
// direction) from the mean of those neighbours' vectors. InvalidArgument
// when the dimensions differ (`what` names the matrix in the message).
absl::StatusOr<WarmStartCounts> WarmStartRows(const CsrGraph& graph,
                                              const Embeddings& previous,
                                              std::string_view what,
                                              Embeddings& rows);

// Copies the previous vectors into the rows of the nodes that have one;
// the others keep their values. InvalidArgument when the dimensions differ.
absl::StatusOr<uint64_t> CopyPreviousRows(const CsrGraph& graph,
                                          const Embeddings& previous,
                                          std::string_view what,
                                          Embeddings& rows);

// Bytes WarmStartRows needs beyond the rows themselves, at most.
uint64_t WarmStartScratchBytes(uint64_t num_nodes, uint32_t dimensions);

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_INITIAL_ROWS_H_
