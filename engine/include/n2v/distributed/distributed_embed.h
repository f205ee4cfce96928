// Distributed node2vec: the graph and the model split across the ranks of
// an MPI job, for graphs whose walks or model outgrow one machine.
//
// Every rank holds the input vectors of its own nodes (PartitionedGraph's
// rows) and, at any moment, one block of context vectors: those of one
// rank's nodes. Walks are generated with GenerateDistributedWalks, a wave
// at a time; each wave's walks reach every rank, and each rank trains the
// (context, centre) pairs whose context it owns. The context blocks travel
// around the ring of ranks, GraphVite-style (Zhu et al., WWW 2019): in step
// k rank r holds rank (r + k)'s block and trains the pairs whose centre
// lies in it, with negatives drawn from that block by its owner's noise
// law, so no vector is ever updated by two ranks at once. After a wave's
// P steps every block is home again.
//
// Counting pass, subsampling, noise law (count^exponent), learning-rate
// decay and initial vectors (random, or a warm start's) follow Embed (the same rules, in
// internal/sampling_rules.h and internal/initial_rows.h); negatives are
// drawn per centre and shared by its contexts, and pairs are trained one
// at a time. Walks are those of GenerateWalks; training differs from
// Embed's (it cannot be the same at every rank count), and with
// `deterministic` (one training thread per rank) gives the same bits on
// every run at a given rank count.
#ifndef N2V_DISTRIBUTED_DISTRIBUTED_EMBED_H_
#define N2V_DISTRIBUTED_DISTRIBUTED_EMBED_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_walks.h"
#include "n2v/distributed/partitioned_graph.h"
#include "n2v/embed.h"
#include "n2v/embed_options.h"
#include "n2v/embeddings.h"
#include "n2v/memory_model.h"  // DistributedModelBytes
#include "n2v/walks.h"  // kDefaultWalksPerWave

namespace n2v::distributed {

struct DistributedEmbedOptions {
  // The run's settings, checked by ValidateEmbedOptions. A warm start's `initial` and
  // `initial_context` hold this rank's share of the previous vectors: at
  // least its own nodes' rows (others are ignored). Own nodes without a
  // previous input row start from the mean of their neighbours', which
  // their owners send. With keep_context the result holds the context rows.
  // Reembed's rules for these (n2v/reembed.h) are applied by
  // ReembedDistributed (distributed_reembed.h).
  EmbedOptions embed;
  // Walks in flight at once per rank (bounds a wave's memory).
  uint64_t walks_per_wave = kDefaultWalksPerWave;
  // Progress (called on the ranks that set it, after each wave of the
  // training pass) and cancellation: a raised flag on any rank cancels the
  // run on every rank at the next wave.
  EmbedControl control;
};

struct DistributedEmbedStats {
  DistributedWalkStats walks;   // this rank, training pass, all epochs
  uint64_t walk_nodes = 0;      // all ranks, one epoch
  uint64_t trained_pairs = 0;   // all ranks, all epochs
  // A warm start's rows (all ranks): copied from the previous vectors, and
  // seeded from their neighbours' (as EmbedStats counts them).
  uint64_t warm_started_nodes = 0;
  uint64_t neighbour_started_nodes = 0;
  // Mean sampled skip-gram loss of a pair, per epoch (all ranks).
  std::vector<double> loss_per_epoch;
  double count_seconds = 0;
  double train_seconds = 0;
  // Where this rank's training time went: sharing each wave's walks,
  // subsampling and bucketing them, the SGD updates, and passing context
  // blocks on (which includes waiting for the slowest rank). The rest is
  // walk generation.
  double share_seconds = 0;
  double prepare_seconds = 0;
  double update_seconds = 0;
  double ring_seconds = 0;
  uint64_t model_bytes = 0;      // this rank: vectors, tables, the block in flight
  uint64_t max_model_bytes = 0;  // the largest rank's
  uint64_t wave_bytes = 0;       // a rank's wave buffers at most (DistributedWaveBytes)
  uint64_t bytes_sent = 0;       // this rank, whole run
  // Of which: sharing waves' walks, and passing context blocks on (the
  // rest moves walkers and answers arc tests).
  uint64_t share_bytes_sent = 0;
  uint64_t ring_bytes_sent = 0;
};

struct DistributedEmbedResult {
  // The vectors of this rank's own nodes, in ascending id order.
  Embeddings embeddings;
  // Their context rows, when the options keep them (empty otherwise).
  Embeddings context;
  DistributedEmbedStats stats;
};

// Collective. Errors: InvalidArgument for bad or unsupported options (as
// `names` spells them) or a walk_from id in no rank's part; the
// communicator's; InvalidArgument when training diverged (NaN or infinite
// vectors) and Cancelled, on every rank.
absl::StatusOr<DistributedEmbedResult> EmbedDistributed(
    const Communicator& comm, const PartitionedGraph& graph,
    const DistributedEmbedOptions& options, const OptionNames& names = {});

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_DISTRIBUTED_EMBED_H_
