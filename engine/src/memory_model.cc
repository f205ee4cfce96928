// The memory model of runs (memory_model.h); each term names the structure
// it pays for. Graphs are in graph_memory.cc.
#include "n2v/memory_model.h"

#include <algorithm>
#include <cmath>

#include "internal/huge_pages.h"
#include "internal/initial_rows.h"
#include "internal/parallel.h"
#include "internal/sgns_kernel.h"
#include "internal/train_context.h"
#include "internal/trainers.h"
#include "n2v/graph.h"
#include "n2v/node_id_index.h"

namespace n2v {
namespace {

// A vector matrix as AlignedFloats holds it.
uint64_t MatrixBytes(uint64_t rows, uint32_t dimensions) {
  return internal::LargeAllocationFootprint(rows * PaddedDimension(dimensions) *
                                            sizeof(float));
}

// One worker's walk batch, subsampled walk, window pointers and kernel
// scratch (internal::WalkBuffers).
uint64_t PerThreadBytes(const EmbedOptions& o) {
  const uint64_t length = o.walk.walk_length;
  const uint64_t batch = internal::WalkBatch(o);
  const uint64_t window = 2ull * o.window;
  const uint64_t outputs = 1ull + o.negatives;
  const uint64_t walks = batch * (length * sizeof(NodeIndex) + sizeof(NodeIndex*) +
                                  sizeof(uint32_t) + sizeof(NodeIndex) + sizeof(Rng));
  return walks + length * sizeof(NodeIndex) +
         (window + outputs) * sizeof(float*) +
         internal::SgnsScratchFloats(static_cast<uint32_t>(window),
                                     static_cast<uint32_t>(outputs),
                                     PaddedDimension(o.dimensions)) *
             sizeof(float);
}

// The shards' private row copies and slot arrays (deterministic mode).
uint64_t DeterministicBytes(uint64_t num_nodes, const EmbedOptions& o) {
  const uint64_t row_bytes = PaddedDimension(o.dimensions) * sizeof(float);
  const uint64_t walk_nodes =
      uint64_t{internal::kWalksPerShard} * o.walk.walk_length;
  const uint64_t touched =
      std::min<uint64_t>(2 * num_nodes, walk_nodes * (2 + o.negatives));
  return internal::kDeterministicShards *
         (2 * num_nodes * sizeof(uint32_t) + touched * row_bytes +
          2 * 1024 * row_bytes + PerThreadBytes(o));
}

// Ids of the start set, their hash set while it is built, and the dense
// start list Embed makes of them.
uint64_t IncrementalStartBytes(uint64_t num_nodes) {
  return num_nodes * (sizeof(int64_t) + sizeof(NodeIndex)) +
         NodeIdIndex::MaxMemoryBytes(num_nodes);
}

// Procrustes' d x d matrices, and the drift's per-node distances, unchanged
// ids and the set of changed ids.
uint64_t AlignmentBytes(uint64_t num_nodes, uint32_t dimensions) {
  const uint64_t d = dimensions;
  return 6 * d * d * sizeof(double) + num_nodes * 2 * sizeof(double) +
         2 * NodeIdIndex::MaxMemoryBytes(num_nodes);
}

}  // namespace

EmbedMemory EstimateEmbedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                bool weighted, const EmbedOptions& options) {
  const uint64_t matrix = MatrixBytes(num_nodes, options.dimensions);
  const uint64_t threads = internal::ResolveThreads(options.num_threads);
  // Counts, noise weights and the alias table's build scratch (transient),
  // the alias table, keep probabilities.
  const uint64_t tables = num_nodes * (8 + 8 + 16 + 8 + 4);
  const uint64_t sampler =
      weighted ? num_arcs * (sizeof(float) + sizeof(uint32_t)) + num_nodes * 8
               : 0;
  const uint64_t warm =
      options.initial != nullptr
          ? internal::WarmStartScratchBytes(num_nodes, options.dimensions)
          : 0;
  const uint64_t shards =
      options.deterministic ? DeterministicBytes(num_nodes, options) : 0;
  EmbedMemory m;
  m.result = options.keep_context ? 2 * matrix : matrix;
  m.peak = 2 * matrix + tables + sampler + warm +
           threads * PerThreadBytes(options) + shards;
  return m;
}

namespace {

// The options Reembed resolves (ResolveReembedOptions), as far as they
// matter for memory: the context kept, and a warm start (`initial` set to
// `placeholder`) when there are previous vectors.
EmbedOptions ResolvedForMemory(const EmbedOptions& options, const ReembedOptions& reembed,
                               uint64_t previous_rows, const Embeddings& placeholder) {
  const bool known = previous_rows > 0;
  return ResolveReembedOptions(options, reembed, {.vectors = known ? &placeholder : nullptr},
                               {.vectors = known});
}

}  // namespace

EmbedMemory EstimateReembedMemory(uint64_t num_nodes, uint64_t num_arcs,
                                  bool weighted, const EmbedOptions& options,
                                  const ReembedOptions& reembed,
                                  uint64_t previous_rows) {
  const Embeddings placeholder;
  const EmbedOptions resolved = ResolvedForMemory(options, reembed, previous_rows, placeholder);
  EmbedMemory m = EstimateEmbedMemory(num_nodes, num_arcs, weighted, resolved);
  if (reembed.incremental) m.peak += IncrementalStartBytes(num_nodes);
  if (WillAlign(reembed) && previous_rows > 0) {
    m.peak = std::max(m.peak, m.result + AlignmentBytes(num_nodes,
                                                        options.dimensions));
  }
  return m;
}

uint64_t DistributedModelBytes(uint64_t owned_rows, uint64_t largest_rows,
                               uint32_t dimensions) {
  const uint64_t row_bytes = uint64_t{PaddedDimension(dimensions)} * sizeof(float);
  // One block with room for the largest, refilled in place, and the piece
  // in transit (see distributed/context_block.h).
  const uint64_t block = 64 + largest_rows * (row_bytes + sizeof(float) + sizeof(uint32_t));
  return owned_rows * (row_bytes + sizeof(uint64_t) + sizeof(float)) + block +
         std::min(block, kRingPieceBytes);
}

uint64_t DistributedWaveBytes(uint64_t walks_per_wave, uint64_t start_nodes,
                              uint32_t walk_length, uint32_t ranks) {
  // A walker with its random stream and pending step, up to four copies of
  // it around an exchange.
  constexpr uint64_t kWalkerBytes = 4 * 96;
  const uint64_t walks = std::min(walks_per_wave, start_nodes);
  const uint64_t nodes = walks * walk_length;
  const uint64_t walking = walks * kWalkerBytes + nodes * (16 * 3 / 2 + 16);
  // Every rank's kept nodes and walk starts, and the held block's centres
  // counted per walk (BlockCentres).
  const uint64_t training =
      uint64_t{ranks} * (nodes * sizeof(uint32_t) + walks * sizeof(uint64_t)) +
      uint64_t{ranks} * walks * sizeof(uint32_t);
  return std::max(walking, training);
}

namespace {

// One training task of the ring (distributed/ring_trainer.cc), for a
// centre drawing the most negatives a block may give it: two centres' row
// pointers (one trains while the next is fetched) and the kernel's
// scratch. A rank runs one task per thread.
uint64_t RingTaskBytes(const EmbedOptions& o) {
  const uint64_t window = 2ull * o.window + 1;
  const auto outputs = static_cast<uint32_t>(
      1 + std::ceil(o.negatives * kMaxDistributedNegativeScale));
  const uint64_t scratch =
      o.batch_windows ? internal::SgnsScratchFloats(static_cast<uint32_t>(window), outputs,
                                                    PaddedDimension(o.dimensions))
                      : outputs;
  return 2 * (window + outputs) * sizeof(float*) + scratch * sizeof(float);
}

// The ring's training threads: one in deterministic mode (RingTrainer).
uint64_t DistributedTrainingThreads(const EmbedOptions& o) {
  return o.deterministic ? 1 : static_cast<uint64_t>(internal::ResolveThreads(o.num_threads));
}

}  // namespace

uint64_t DistributedRankBytes(uint64_t graph_bytes, uint64_t owned_rows,
                              uint64_t largest_rows, uint64_t stub_rows,
                              const EmbedOptions& options, const ReembedOptions& reembed,
                              uint64_t previous_rows, uint32_t ranks,
                              uint64_t walks_per_wave) {
  return graph_bytes + DistributedModelBytes(owned_rows, largest_rows, options.dimensions) +
         DistributedWaveBytes(walks_per_wave, owned_rows, options.walk.walk_length, ranks) +
         DistributedTrainingThreads(options) * RingTaskBytes(options) +
         DistributedReembedBytes(owned_rows, stub_rows, ranks, options.dimensions, options,
                                 reembed, previous_rows);
}

uint64_t DistributedReembedBytes(uint64_t owned_rows, uint64_t stub_rows, uint32_t ranks,
                                 uint32_t dimensions, const EmbedOptions& options,
                                 const ReembedOptions& reembed, uint64_t previous_rows) {
  const uint64_t row_bytes = uint64_t{PaddedDimension(dimensions)} * sizeof(float);
  const Embeddings placeholder;
  const EmbedOptions resolved = ResolvedForMemory(options, reembed, previous_rows, placeholder);
  const bool warm = resolved.initial != nullptr;
  uint64_t bytes = resolved.keep_context ? owned_rows * row_bytes : 0;
  if (!warm) return bytes;
  // Shares of the previous input and context vectors (and, when aligning,
  // nothing more: the target is the input share), and the neighbour means
  // of nodes without a previous row, in double.
  bytes += 2 * owned_rows * row_bytes + owned_rows * dimensions * sizeof(double);
  // Seeding new nodes: per local node an offset, a flag and two slots; per
  // stub its partial sum in double (a new one) or its previous row fetched
  // (an old one beside a new node, with room to grow): one double row.
  constexpr uint64_t kSeedingBytesPerNode = sizeof(uint64_t) + 1 + 2 * sizeof(uint32_t);
  bytes += (owned_rows + stub_rows) * kSeedingBytesPerNode +
           stub_rows * uint64_t{dimensions} * sizeof(double);
  // An incremental run's start list on every rank, as gathered (twice).
  if (reembed.incremental) {
    const double starts =
        reembed.max_changed_fraction * static_cast<double>(owned_rows) * ranks;
    bytes += 2 * sizeof(int64_t) * static_cast<uint64_t>(std::ceil(starts));
  }
  return bytes;
}

uint64_t EstimateRankBytes(uint64_t num_nodes, uint64_t num_arcs, bool weighted,
                           const EmbedOptions& options, const ReembedOptions& reembed,
                           uint64_t previous_rows, uint32_t ranks,
                           uint64_t walks_per_wave) {
  const uint64_t share_nodes = (num_nodes + ranks - 1) / ranks * 5 / 4 + 1;
  const uint64_t share_arcs = (num_arcs + ranks - 1) / ranks * 5 / 4 + 1;
  // A rank's graph part is a directed CSR of its arcs, whose targets add
  // stub nodes (at most one per arc).
  const GraphMemory part = EstimateGraphMemory(share_nodes + share_arcs, share_arcs,
                                               /*directed=*/true, weighted);
  return DistributedRankBytes(part.build_peak, share_nodes, share_nodes, share_arcs, options,
                              reembed, previous_rows, ranks, walks_per_wave);
}

}  // namespace n2v
