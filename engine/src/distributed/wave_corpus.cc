// ShareWave, Subsample, CentresByOwner.
#include "distributed/wave_corpus.h"

#include <cstring>

#include "internal/train_context.h"
#include "n2v/random.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {

// Every rank's walks of the wave, on every rank. Each walk's nodes carry
// their owner, row and keep probability.
absl::StatusOr<std::vector<std::string>> ShareWave(const Communicator& comm,
                                                   const DistributedWalkBlock& mine) {
  std::string bytes;
  AppendPod(bytes, static_cast<uint64_t>(mine.lengths.size()));
  for (uint32_t length : mine.lengths) AppendPod(bytes, length);
  for (size_t i = 0; i < mine.nodes.size(); ++i) {
    AppendPod(bytes, WaveNode{mine.rows[i], OwnerOf(mine.nodes[i], comm.size()),
                              mine.keep[i]});
  }
  std::vector<std::string> in;
  N2V_RETURN_IF_ERROR(comm.AllToAll(std::vector<std::string>(comm.size(), bytes), &in));
  return in;
}

// Subsamples the shared walks, with a random stream per walk named by the
// wave (`wave_key`), its home rank and its place there.
KeptWalks Subsample(const std::vector<std::string>& shared, uint64_t seed,
                    uint64_t wave_key, bool subsample) {
  KeptWalks kept;
  for (size_t rank = 0; rank < shared.size(); ++rank) {
    uint64_t walks = 0;
    std::memcpy(&walks, shared[rank].data(), sizeof walks);
    const std::string_view rest = std::string_view(shared[rank]).substr(sizeof walks);
    const std::vector<uint32_t> lengths =
        ReadPods<uint32_t>(rest.substr(0, walks * sizeof(uint32_t)));
    const std::vector<WaveNode> nodes =
        ReadPods<WaveNode>(rest.substr(walks * sizeof(uint32_t)));
    size_t at = 0;
    for (uint64_t w = 0; w < walks; ++w) {
      Rng rng(DeriveSeed(DeriveSeed(seed, internal::kSubsampleStream, wave_key),
                         rank, w));
      for (uint32_t i = 0; i < lengths[w]; ++i, ++at) {
        const WaveNode& n = nodes[at];
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
