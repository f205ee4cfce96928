// RingTrainer: the steps of a wave, and a block's updates as a two-stage
// pipeline: while one centre trains, the rows of the next are prefetched.
// A rank trains only the contexts it owns, so each centre's output rows
// serve fewer pairs than on one machine; overlapping their fetches with
// the previous centre's arithmetic wins most of that back.
#include "distributed/ring_trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <oneapi/tbb/parallel_for.h>

#include "distributed/cancel_check.h"
#include "internal/parallel.h"
#include "internal/train_context.h"
#include "n2v/memory_model.h"
#include "n2v/random.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

using internal::LossSum;

// Rows are prefetched only when the rank's rows and block outgrow the
// caches; below this they are there already and prefetching only costs.
constexpr uint64_t kPrefetchAboveBytes = uint64_t{16} << 20;

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since)
      .count();
}

void PrefetchRow(const float* row, uint32_t stride) {
  for (uint32_t i = 0; i < stride; i += 16) __builtin_prefetch(row + i, 1, 3);
}

// One centre's work: its window's contexts that are ours, and its output
// rows (the centre, then its negatives from the held block).
struct CentreWork {
  std::vector<float*> inputs;  // room for a whole window; num_inputs used
  uint32_t num_inputs = 0;
  std::vector<float*> outputs;
  bool sampled = false;  // its loss is computed
};

}  // namespace

absl::Status RingTrainer::TrainWave(const KeptWalks& kept, uint64_t wave,
                                    uint64_t waves, LossSum& loss) {
  const int ranks = comm_.size();
  for (int step = 0; step < ranks; ++step) {
    const double from = (wave + static_cast<double>(step) / ranks) / waves;
    auto started = std::chrono::steady_clock::now();
    // One block's centres at a time, found as they train.
    const BlockCentres centres(kept, slots_, held_.owner());
    const double negatives = shares_.Expected(options_.negatives, held_.owner(),
                                              centres.size(), kept.slots.size());
    stats_.prepare_seconds += Seconds(started);
    started = std::chrono::steady_clock::now();
    TrainBlock(kept, centres, negatives, wave, from, 1.0 / ranks / waves, loss);
    stats_.update_seconds += Seconds(started);
    N2V_RETURN_IF_ERROR(CheckCancelled(comm_, cancel_));
    started = std::chrono::steady_clock::now();
    // The last step's block stays for the next wave's first step.
    if (step + 1 < ranks) {
      N2V_RETURN_IF_ERROR(
          Shift((comm_.rank() + ranks - 1) % ranks, (comm_.rank() + 1) % ranks));
    }
    stats_.ring_seconds += Seconds(started);
  }
  return absl::OkStatus();
}

absl::Status RingTrainer::ReturnHome() {
  const int ranks = comm_.size();
  const int places = (held_.owner() - comm_.rank() + ranks) % ranks;
  if (places == 0) return absl::OkStatus();
  const auto started = std::chrono::steady_clock::now();
  N2V_RETURN_IF_ERROR(Shift(held_.owner(), (comm_.rank() + ranks - places) % ranks));
  stats_.ring_seconds += Seconds(started);
  return absl::OkStatus();
}

void RingTrainer::TrainBlock(const KeptWalks& kept, const BlockCentres& centres,
                             double negatives, uint64_t wave, double progress_from,
                             double progress_span, LossSum& loss) {
  const EmbedOptions& o = options_;
  const uint32_t stride = input_.stride();
  // Our rows are the slots [first, first + count); the held block's
  // start at held_first.
  const uint32_t first = slots_.first(comm_.rank());
  const uint32_t count = slots_.end(comm_.rank()) - first;
  const uint32_t held_first = slots_.first(held_.owner());
  const int threads = o.deterministic ? 1 : o.num_threads;
  const bool prefetch =
      (input_.size() + uint64_t{held_.rows()}) * stride * sizeof(float) > kPrefetchAboveBytes;
  // Fills `work` for centre c: the same draws on every rank (its stream is
  // named by the wave and the centre), whichever contexts are ours.
  auto plan = [&](const Centre& centre, CentreWork& work) {
    work.outputs.clear();
    const uint64_t begin = kept.begin[centre.walk];
    const auto length = static_cast<uint32_t>(kept.begin[centre.walk + 1] - begin);
    Rng rng(DeriveSeed(DeriveSeed(o.seed, internal::kTrainStream, wave), centre.walk,
                       centre.position));
    const uint32_t reach = o.shrink_window ? 1 + rng.Below(o.window) : o.window;
    const uint32_t lo = centre.position > reach ? centre.position - reach : 0;
    const uint32_t hi = std::min(length, centre.position + reach + 1);
    // Without branches: which contexts are ours is a coin flip per node.
    float** inputs = work.inputs.data();
    float* const rows = input_.mutable_data();
    uint32_t n = 0;
    for (uint32_t j = lo; j < hi; ++j) {
      const uint32_t row = kept.slots[begin + j] - first;  // ours when < count
      const uint32_t ours = (j != centre.position) & (row < count);
      // Another rank's node is not ours to point at: row 0 instead.
      inputs[n] = rows + size_t{row * ours} * stride;
      n += ours;
    }
    work.num_inputs = n;
    if (n == 0) return;
    const uint32_t centre_row = kept.slots[begin + centre.position] - held_first;
    work.outputs.push_back(held_.row(centre_row));
    ForEachNegative(held_, negatives, rng, [&](uint32_t negative) {
      if (negative != centre_row) work.outputs.push_back(held_.row(negative));
    });
    work.sampled = (centre.walk + centre.position) % internal::kLossSampleEvery == 0;
    if (!prefetch) return;
    for (uint32_t i = 0; i < work.num_inputs; ++i) PrefetchRow(work.inputs[i], stride);
    for (const float* row : work.outputs) PrefetchRow(row, stride);
  };
  // Scratch of one chunk's updates: a pair's gradients, or a window
  // block's (batch_windows).
  const auto most_outputs = 1 + static_cast<uint32_t>(std::ceil(negatives));
  const size_t scratch_floats =
      o.batch_windows ? internal::SgnsScratchFloats(2 * o.window, most_outputs, stride)
                      : most_outputs;
  auto train = [&](size_t c, const CentreWork& work, AlignedFloats& g, LossSum& l) {
    if (work.num_inputs == 0) return;
    const double progress = progress_from + progress_span * c / centres.size();
    const float lr = static_cast<float>(std::max<double>(
        o.min_learning_rate,
        o.initial_learning_rate -
            (static_cast<double>(o.initial_learning_rate) - o.min_learning_rate) *
                progress));
    const auto outputs = static_cast<uint32_t>(work.outputs.size());
    if (o.batch_windows) {
      // This rank's contexts of the window as one block, as one machine
      // trains the whole window.
      internal::SgnsWindowUpdate(work.inputs.data(), work.num_inputs,
                                 const_cast<float* const*>(work.outputs.data()), outputs,
                                 lr, stride, g.data(), work.sampled ? &l : nullptr);
      l.trained_pairs += work.num_inputs;
      return;
    }
    for (uint32_t i = 0; i < work.num_inputs; ++i) {
      internal::SgnsPairUpdate(work.inputs[i], const_cast<float* const*>(work.outputs.data()),
                               outputs, lr, stride, g.data(), work.sampled ? &l : nullptr);
      ++l.trained_pairs;
    }
  };
  std::vector<LossSum> chunk_loss(centres.chunks());
  auto train_chunk = [&](size_t chunk) {
    // Cancelled: the step's result is dropped, so the rest need not train.
    if (Raised(cancel_)) return;
    CentreWork current, next;
    current.inputs.resize(2 * size_t{o.window} + 1);
    next.inputs.resize(2 * size_t{o.window} + 1);
    AlignedFloats g(scratch_floats);
    // Each centre is planned (its rows fetched) while the one before trains.
    bool planned = false;
    uint64_t number = 0;
    centres.ForEachIn(chunk, [&](const Centre& centre, uint64_t next_number) {
      plan(centre, next);
      if (planned) train(number, current, g, chunk_loss[chunk]);
      std::swap(current, next);
      number = next_number;
      planned = true;
    });
    if (planned) train(number, current, g, chunk_loss[chunk]);
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

absl::Status RingTrainer::Shift(int to, int from) {
  const uint64_t sent_before = comm_.bytes_sent();
  const uint64_t size = held_.bytes().size();
  AlignedFloats storage = std::move(held_).TakeStorage();
  N2V_ASSIGN_OR_RETURN(const uint64_t arrived,
                       comm_.ShiftInPlace(reinterpret_cast<char*>(storage.data()),
                                          storage.size() * sizeof(float), size, to, from,
                                          kRingPieceBytes));
  N2V_ASSIGN_OR_RETURN(held_, ContextBlock::FromBytes(std::move(storage), arrived));
  stats_.ring_bytes_sent += comm_.bytes_sent() - sent_before;
  return absl::OkStatus();
}

}  // namespace n2v::distributed
