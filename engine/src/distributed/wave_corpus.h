// A wave's walks as training sees them: every rank's walks of the wave,
// subsampled by their home rank and then shared with every rank, and their
// centres grouped by the rank that owns their context vectors.
#ifndef N2V_DISTRIBUTED_WAVE_CORPUS_H_
#define N2V_DISTRIBUTED_WAVE_CORPUS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/distributed_walks.h"

namespace n2v::distributed {

// A node of a shared walk: where its vectors live.
struct WaveNode {
  uint32_t row;
  int32_t owner;
};

// A wave's walks after subsampling, every rank's, in rank order.
struct KeptWalks {
  std::vector<uint64_t> begin = {0};  // walk w is nodes[begin[w], begin[w+1])
  std::vector<WaveNode> nodes;
};

// A centre: position `position` of kept walk `walk`.
struct Centre {
  uint32_t walk;
  uint32_t position;
};

// This rank's walks of the wave (`mine`, with each node's owner, row and
// keep probability), subsampled with a random stream per walk named by the
// wave (`wave_key`), this rank and the walk's place here: every rank's
// kept walks are those one machine would keep from the same walks.
KeptWalks SubsampleOwn(const DistributedWalkBlock& mine, int rank, uint64_t seed,
                       uint64_t wave_key, bool subsample);

// Collective. Every rank's kept walks of the wave (`own` here), on every
// rank, in rank order.
absl::StatusOr<KeptWalks> ShareKept(const Communicator& comm, const KeptWalks& own);

// The centres of the kept walks whose context vectors `owner` owns (the
// block they are trained with), in walk order.
std::vector<Centre> CentresOf(const KeptWalks& kept, int owner);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_WAVE_CORPUS_H_
