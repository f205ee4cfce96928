// ShareWave, Subsample, CentresByOwner.
#include "distributed/wave_corpus.h"

#include <cstring>

#include "internal/train_context.h"
#include "n2v/random.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {

// Every rank's walks of the wave, on every rank. Each walk's nodes carry
// their owner, row and keep probability.
absl::StatusOr<SharedWave> ShareWave(const Communicator& comm,
                                     const DistributedWalkBlock& mine) {
  std::string bytes;
  bytes.reserve(sizeof(uint64_t) + mine.lengths.size() * sizeof(uint32_t) +
                mine.nodes.size() * sizeof(WaveNode));
  AppendPod(bytes, static_cast<uint64_t>(mine.lengths.size()));
  for (uint32_t length : mine.lengths) AppendPod(bytes, length);
  for (size_t i = 0; i < mine.nodes.size(); ++i) {
    AppendPod(bytes, WaveNode{mine.rows[i], OwnerOf(mine.nodes[i], comm.size()),
                              mine.keep[i]});
  }
  SharedWave shared;
  N2V_RETURN_IF_ERROR(comm.AllGather(bytes, &shared.bytes, &shared.offsets));
  return shared;
}

KeptWalks Subsample(const SharedWave& shared, uint64_t seed, uint64_t wave_key,
                    bool subsample) {
  KeptWalks kept;
  for (size_t rank = 0; rank + 1 < shared.offsets.size(); ++rank) {
    const std::string_view part = std::string_view(shared.bytes).substr(
        shared.offsets[rank], shared.offsets[rank + 1] - shared.offsets[rank]);
    uint64_t walks = 0;
    std::memcpy(&walks, part.data(), sizeof walks);
    const char* lengths = part.data() + sizeof walks;
    const char* nodes = lengths + walks * sizeof(uint32_t);
    size_t at = 0;
    for (uint64_t w = 0; w < walks; ++w) {
      uint32_t length;
      std::memcpy(&length, lengths + w * sizeof(uint32_t), sizeof length);
      Rng rng(DeriveSeed(DeriveSeed(seed, internal::kSubsampleStream, wave_key),
                         rank, w));
      for (uint32_t i = 0; i < length; ++i, ++at) {
        WaveNode n;
        std::memcpy(&n, nodes + at * sizeof(WaveNode), sizeof n);
        if (!subsample || n.keep >= 1.0f || rng.UniformFloat() < n.keep) {
          kept.nodes.push_back(n);
        }
      }
      kept.begin.push_back(kept.nodes.size());
    }
  }
  return kept;
}

// The centres of the kept walks, by the rank that owns their context
// vectors (the block they are trained with).
std::vector<std::vector<Centre>> CentresByOwner(const KeptWalks& kept, int ranks) {
  std::vector<std::vector<Centre>> centres(ranks);
  for (uint32_t w = 0; w + 1 < kept.begin.size(); ++w) {
    for (uint64_t at = kept.begin[w]; at < kept.begin[w + 1]; ++at) {
      centres[kept.nodes[at].owner].push_back(
          {w, static_cast<uint32_t>(at - kept.begin[w])});
    }
  }
  return centres;
}

}  // namespace n2v::distributed
