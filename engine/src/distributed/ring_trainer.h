// RingTrainer: this rank's skip-gram updates in distributed training. It
// holds the input rows of its own nodes and one context block at a time;
// in each of a wave's P steps it trains the (context, centre) pairs whose
// context is its own and whose centre lies in the block it holds, then
// passes the block one rank down the ring, so no row is ever written by
// two ranks at once. A wave ends holding the block its last step trained,
// and the next wave starts from it: P - 1 passes a wave, not P. Every rank
// is the same number of places along the ring, so one shift brings every
// block home at the end.
#ifndef N2V_DISTRIBUTED_RING_TRAINER_H_
#define N2V_DISTRIBUTED_RING_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/status/status.h"
#include "distributed/context_block.h"
#include "distributed/negative_shares.h"
#include "distributed/wave_corpus.h"
#include "internal/sgns_kernel.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_embed.h"
#include "n2v/embed_options.h"
#include "n2v/embeddings.h"

namespace n2v::distributed {

class RingTrainer {
 public:
  RingTrainer(const Communicator& comm, const EmbedOptions& options,
              const RowSlots& slots, const NegativeShares& shares, Embeddings& input,
              ContextBlock own, DistributedEmbedStats& stats,
              const std::atomic<bool>* cancel = nullptr)
      : comm_(comm), options_(options), slots_(slots), shares_(shares), input_(input),
        held_(std::move(own)), stats_(stats), cancel_(cancel) {}

  // One wave: P steps, with the block passed on between them. `wave` of
  // `waves` (over all epochs) sets the learning rate. A cancel raised on
  // any rank ends it after the step under way, Cancelled on every rank: a
  // rank that sees its own flag trains no further centres of that step.
  absl::Status TrainWave(const KeptWalks& kept, uint64_t wave, uint64_t waves,
                         internal::LossSum& loss);
  // Collective: every rank takes its own block back.
  absl::Status ReturnHome();
  // The block held now: this rank's own after ReturnHome.
  ContextBlock& held() { return held_; }

 private:
  // The pairs of `centres` (all in the held block) whose context is ours;
  // each centre draws `negatives` negatives on average.
  void TrainBlock(const KeptWalks& kept, const BlockCentres& centres,
                  double negatives, uint64_t wave, double progress_from,
                  double progress_span, internal::LossSum& loss);
  // Sends the held block to rank `to` and takes the one `from` holds.
  absl::Status Shift(int to, int from);

  const Communicator& comm_;
  const EmbedOptions& options_;
  const RowSlots& slots_;
  const NegativeShares& shares_;
  Embeddings& input_;
  ContextBlock held_;
  DistributedEmbedStats& stats_;
  const std::atomic<bool>* cancel_;
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_RING_TRAINER_H_
