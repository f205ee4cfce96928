// RowSlots, SubsampleOwn, ShareKept, BlockCentres.
#include "distributed/wave_corpus.h"

#include <algorithm>
#include <cstdint>
#include <span>

#include "absl/strings/str_cat.h"
#include "internal/train_context.h"
#include "n2v/random.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

template <typename T>
std::span<const char> BytesOf(const std::vector<T>& values) {
  return {reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T)};
}

// Collective: every rank's `mine`, on every rank, into `all`; where each
// rank's part starts, in elements (size ranks + 1).
template <typename T>
absl::StatusOr<std::vector<size_t>> GatherAll(const Communicator& comm,
                                              const std::vector<T>& mine,
                                              std::vector<T>& all) {
  std::vector<size_t> offsets;
  N2V_RETURN_IF_ERROR(comm.AllGatherInto(
      BytesOf(mine),
      [&](uint64_t total) {
        all.resize(total / sizeof(T));
        return reinterpret_cast<char*>(all.data());
      },
      &offsets));
  for (size_t& offset : offsets) offset /= sizeof(T);
  return offsets;
}

}  // namespace

absl::StatusOr<RowSlots> RowSlots::Agree(const Communicator& comm, uint64_t own_rows) {
  std::vector<uint64_t> rows(comm.size(), 0);
  rows[comm.rank()] = own_rows;
  N2V_RETURN_IF_ERROR(comm.SumAll(std::span<uint64_t>(rows)));
  RowSlots slots;
  slots.first_.assign(1, 0);
  uint64_t total = 0;
  for (uint64_t r : rows) {
    total += r;
    if (total > UINT32_MAX) {
      return absl::InvalidArgumentError(absl::StrCat(
          "distributed training numbers every node in 32 bits, and the ranks own more "
          "than ", uint64_t{UINT32_MAX}, " nodes in all"));
    }
    slots.first_.push_back(static_cast<uint32_t>(total));
  }
  return slots;
}

KeptWalks SubsampleOwn(const DistributedWalkBlock& mine, const RowSlots& slots,
                       int rank, uint64_t seed, uint64_t wave_key, bool subsample) {
  KeptWalks kept;
  kept.begin.reserve(mine.lengths.size() + 1);
  kept.slots.reserve(mine.rows.size());
  size_t at = 0;
  for (size_t w = 0; w < mine.lengths.size(); ++w) {
    Rng rng(DeriveSeed(DeriveSeed(seed, internal::kSubsampleStream, wave_key), rank, w));
    for (uint32_t i = 0; i < mine.lengths[w]; ++i, ++at) {
      const float keep = mine.keep[at];
      if (!subsample || keep >= 1.0f || rng.UniformFloat() < keep) {
        kept.slots.push_back(slots.SlotOf(mine.owners[at], mine.rows[at]));
      }
    }
    kept.begin.push_back(kept.slots.size());
  }
  return kept;
}

absl::StatusOr<KeptWalks> ShareKept(const Communicator& comm, KeptWalks own) {
  std::vector<uint32_t> lengths(own.begin.size() - 1);
  for (size_t w = 0; w < lengths.size(); ++w) {
    lengths[w] = static_cast<uint32_t>(own.begin[w + 1] - own.begin[w]);
  }
  std::vector<uint32_t> all_lengths;
  N2V_RETURN_IF_ERROR(GatherAll(comm, lengths, all_lengths).status());
  own.begin = {};
  KeptWalks kept;
  N2V_RETURN_IF_ERROR(GatherAll(comm, own.slots, kept.slots).status());
  own.slots = {};
  kept.begin.resize(all_lengths.size() + 1);
  for (size_t w = 0; w < all_lengths.size(); ++w) {
    kept.begin[w + 1] = kept.begin[w] + all_lengths[w];
  }
  return kept;
}

BlockCentres::BlockCentres(const KeptWalks& kept, const RowSlots& slots, int owner)
    : kept_(kept), first_(slots.first(owner)), count_(slots.end(owner) - slots.first(owner)) {
  std::vector<uint32_t> per_walk(walks(), 0);
  uint64_t total = 0;
  for (uint64_t w = 0; w < walks(); ++w) {
    for (uint64_t at = kept.begin[w]; at < kept.begin[w + 1]; ++at) {
      per_walk[w] += kept.slots[at] - first_ < count_;
    }
    total += per_walk[w];
  }
  // As many chunks as kCentresPerChunk centres fill, over even runs of walks.
  const uint64_t chunks = std::max<uint64_t>(1, (total + kCentresPerChunk - 1) / kCentresPerChunk);
  walks_per_chunk_ = std::max<uint64_t>(1, (walks() + chunks - 1) / chunks);
  chunk_first_.assign(1, 0);
  for (uint64_t w = 0; w < walks(); w += walks_per_chunk_) {
    uint64_t in_chunk = 0;
    for (uint64_t v = w; v < std::min(walks(), w + walks_per_chunk_); ++v) in_chunk += per_walk[v];
    chunk_first_.push_back(chunk_first_.back() + in_chunk);
  }
  if (chunk_first_.size() == 1) chunk_first_.push_back(0);  // no walks: one empty chunk
}

}  // namespace n2v::distributed
