// A wave's walks as training sees them: every rank's walks of the wave,
// shared with every rank, subsampled the same way everywhere, and their
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

// A node of a shared walk: where its vectors live, and its keep
// probability.
struct WaveNode {
  uint32_t row;
  int32_t owner;
  float keep;
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

// Every rank's walks of a wave, on every rank, in rank order: rank r's
// walks are lengths[walks_before[r], walks_before[r + 1]), and their nodes
// follow one another in `nodes`.
struct SharedWave {
  std::vector<uint32_t> lengths;
  std::vector<size_t> walks_before;
  std::vector<WaveNode> nodes;
};

// Collective. Every rank's walks of the wave (`mine` here), on every rank;
// each node carries its owner, row and keep probability.
absl::StatusOr<SharedWave> ShareWave(const Communicator& comm,
                                     const DistributedWalkBlock& mine);

// Subsamples the shared walks, with a random stream per walk named by the
// wave (`wave_key`), its home rank and its place there. The kept nodes
// take the place of the shared ones, so a wave is held once.
KeptWalks Subsample(SharedWave shared, uint64_t seed, uint64_t wave_key, bool subsample);

// The centres of the kept walks whose context vectors `owner` owns (the
// block they are trained with), in walk order.
std::vector<Centre> CentresOf(const KeptWalks& kept, int owner);

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_WAVE_CORPUS_H_
