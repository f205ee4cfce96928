// The engine's one memory model: the bytes a graph, an embedding run and a
// re-embedding hold, as upper bounds for admission control. The sidecar
// charges its budget with these numbers, for estimates and for real jobs
// alike, so an estimate that says a job fits describes the job that runs.
#ifndef N2V_MEMORY_MODEL_H_
#define N2V_MEMORY_MODEL_H_

#include <cstdint>

#include "n2v/embed_options.h"
#include "n2v/reembed.h"
#include "n2v/walks.h"  // kDefaultWalksPerWave

namespace n2v {

// A graph of this size once built (CSR arrays and id index, whatever the
// ids), and the peak of the build itself including its input columns.
struct GraphMemory {
  uint64_t built = 0;
  uint64_t build_peak = 0;
};
GraphMemory EstimateGraphMemory(uint64_t num_nodes, uint64_t input_edges,
                                bool directed, bool weighted);

// An Embeddings of `rows` rows with its own id index.
uint64_t EstimateEmbeddingsBytes(uint64_t rows, uint32_t dimensions);

// Memory a run needs beyond the graph: `peak` while it runs and `result`
// for what it returns (the vectors, and the context vectors when kept; their
// id index is the graph's).
struct EmbedMemory {
  uint64_t peak = 0;
  uint64_t result = 0;
};

// Embed: both vector matrices, the noise and subsampling tables, the
// sampler's tables, per-thread buffers, the warm start's scratch when
// options.initial is set, and in deterministic mode the shards' row copies.
EmbedMemory EstimateEmbedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                bool weighted, const EmbedOptions& options);

// Reembed: the Embed it runs (with the context kept when asked and the
// warm start's scratch when previous vectors exist), the incremental start
// set, and the alignment's working set after training. `previous_rows` is
// the number of previous vectors (0 when there are none).
EmbedMemory EstimateReembedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                  bool weighted, const EmbedOptions& options,
                                  const ReembedOptions& reembed,
                                  uint64_t previous_rows);

// Bytes of a context block in transit at once while blocks move around
// the ring of a distributed run: it arrives in pieces of this size.
inline constexpr uint64_t kRingPieceBytes = uint64_t{4} << 20;

// A distributed run (n2v/distributed/): the model bytes a rank holding
// `owned_rows` nodes needs when the largest rank holds `largest_rows`: its
// input rows, counts and keep probabilities, and the context block it
// holds, with room for the largest block, refilled in place a piece at a
// time (kRingPieceBytes, or the whole block when smaller) as blocks move
// around the ring.
uint64_t DistributedModelBytes(uint64_t owned_rows, uint64_t largest_rows,
                               uint32_t dimensions);

// The most a rank of a distributed training pass over `ranks` ranks holds
// for one wave of `walks_per_wave` walks per rank of `walk_length` nodes,
// when it starts walks from `start_nodes` nodes (a wave holds at most one
// walk per start node).
// While walking: the walkers, and the nodes it recorded for the walks'
// home ranks beside those it received (16 bytes each, the first with room
// to grow). While training: every rank's kept nodes (4 bytes each), and
// the count of the held block's centres in each walk (4 bytes a walk; the
// centres are found as they train, so a block holding hubs costs no more).
// The larger of the two.
uint64_t DistributedWaveBytes(uint64_t walks_per_wave, uint64_t start_nodes,
                              uint32_t walk_length, uint32_t ranks);

// What a distributed re-embedding (ReembedDistributed) over `ranks` ranks
// adds on a rank holding `owned_rows` nodes and `stub_rows` neighbours
// owned elsewhere: its context rows returned when kept; for a warm start
// its shares of the previous input and context vectors, the neighbour
// means of its new nodes, and, for new nodes among its neighbours, their
// partial sums or previous rows (at most one row in double per stub) with
// a few bytes of bookkeeping per node; for an incremental run the start
// list every rank holds (at most max_changed_fraction of all nodes).
uint64_t DistributedReembedBytes(uint64_t owned_rows, uint64_t stub_rows, uint32_t ranks,
                                 uint32_t dimensions, const EmbedOptions& options,
                                 const ReembedOptions& reembed, uint64_t previous_rows);

// What a rank of a distributed run over `ranks` ranks holds at most: its
// graph part (`graph_bytes`), its model part (`owned_rows` of them, with
// room for a context block of `largest_rows`), a wave of `walks_per_wave`
// walks, each training thread's scratch (for a centre drawing the most
// negatives, kMaxDistributedNegativeScale times the option), and what a
// re-embedding adds (DistributedReembedBytes, with the rank's
// `stub_rows`).
uint64_t DistributedRankBytes(uint64_t graph_bytes, uint64_t owned_rows,
                              uint64_t largest_rows, uint64_t stub_rows,
                              const EmbedOptions& options, const ReembedOptions& reembed,
                              uint64_t previous_rows, uint32_t ranks,
                              uint64_t walks_per_wave);

// DistributedRankBytes before a graph of this size is split (a
// re-embedding with `previous_rows` previous vectors): a rank's share of
// the nodes and arcs is taken as even (hashing spreads them), with a
// quarter more for imbalance and stub nodes.
uint64_t EstimateRankBytes(uint64_t num_nodes, uint64_t num_arcs, bool weighted,
                           const EmbedOptions& options, const ReembedOptions& reembed,
                           uint64_t previous_rows, uint32_t ranks,
                           uint64_t walks_per_wave = kDefaultWalksPerWave);

}  // namespace n2v

#endif  // N2V_MEMORY_MODEL_H_
