// A wave's walks as training sees them: every rank's walks of the wave,
// subsampled by their home rank and then shared with every rank, and their
// centres grouped by the rank that owns their context vectors.
#ifndef N2V_DISTRIBUTED_WAVE_CORPUS_H_
#define N2V_DISTRIBUTED_WAVE_CORPUS_H_

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_walks.h"

namespace n2v::distributed {

// One numbering of every rank's rows: rank r's rows are the slots
// [first(r), first(r + 1)), in row order, so a node of a shared walk is
// named by 4 bytes (its slot) rather than by its owner and row (8).
class RowSlots {
 public:
  // Collective: every rank's number of rows, agreed. InvalidArgument when
  // there are 2^32 rows or more in all.
  static absl::StatusOr<RowSlots> Agree(const Communicator& comm, uint64_t own_rows);

  uint32_t first(int rank) const { return first_[rank]; }
  uint32_t end(int rank) const { return first_[rank + 1]; }
  uint32_t SlotOf(int owner, uint32_t row) const { return first_[owner] + row; }

 private:
  std::vector<uint32_t> first_;  // size ranks + 1
};

// A wave's walks after subsampling, every rank's, in rank order: each
// kept node by its slot.
struct KeptWalks {
  std::vector<uint64_t> begin = {0};  // walk w is slots[begin[w], begin[w+1])
  std::vector<uint32_t> slots;
};

// A centre: position `position` of kept walk `walk`.
struct Centre {
  uint32_t walk;
  uint32_t position;
};

// This rank's walks of the wave (`mine`, with each node's owner, row and
// keep probability), subsampled with a random stream per walk named by the
// wave (`wave_key`), this rank and the walk's place here. So a run at a
// given rank count and wave size keeps the same nodes every time; one
// machine, which names a walk's stream by its place in the epoch, keeps
// others from the same walks (the same law, other draws).
KeptWalks SubsampleOwn(const DistributedWalkBlock& mine, const RowSlots& slots,
                       int rank, uint64_t seed, uint64_t wave_key, bool subsample);

// Collective. Every rank's kept walks of the wave (`own` here, freed once
// sent), on every rank, in rank order.
absl::StatusOr<KeptWalks> ShareKept(const Communicator& comm, KeptWalks own);

// The centres of the kept walks whose context vectors `owner` owns (the
// block they are trained with), in walk order, numbered 0, 1, ... without
// a list of them: a block holding hubs can hold most of a wave's centres,
// and a list would take 8 bytes each. The walks are cut into chunks of
// about kCentresPerChunk of the block's centres, each with the number of
// its first centre, so chunks can be trained apart and in any order. It
// needs 4 bytes per walk while it is built, and 8 per chunk after.
class BlockCentres {
 public:
  static constexpr uint64_t kCentresPerChunk = 256;

  BlockCentres(const KeptWalks& kept, const RowSlots& slots, int owner);

  // The block's centres in the wave.
  uint64_t size() const { return chunk_first_.back(); }
  size_t chunks() const { return chunk_first_.size() - 1; }
  // Calls visit(centre, number) for chunk `chunk`'s centres, in order.
  template <typename Visit>
  void ForEachIn(size_t chunk, Visit visit) const {
    uint64_t number = chunk_first_[chunk];
    const uint32_t end = std::min<uint64_t>(walks(), (chunk + 1) * walks_per_chunk_);
    for (uint32_t w = static_cast<uint32_t>(chunk * walks_per_chunk_); w < end; ++w) {
      for (uint64_t at = kept_.begin[w]; at < kept_.begin[w + 1]; ++at) {
        if (kept_.slots[at] - first_ < count_) {
          visit(Centre{w, static_cast<uint32_t>(at - kept_.begin[w])}, number++);
        }
      }
    }
  }

 private:
  uint64_t walks() const { return kept_.begin.size() - 1; }

  const KeptWalks& kept_;
  uint32_t first_;  // the block's slots are [first_, first_ + count_)
  uint32_t count_;
  uint64_t walks_per_chunk_ = 1;
  std::vector<uint64_t> chunk_first_;  // size chunks() + 1
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_WAVE_CORPUS_H_
