// ShareWave, Subsample, CentresOf.
#include "distributed/wave_corpus.h"

#include <span>

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

absl::StatusOr<SharedWave> ShareWave(const Communicator& comm,
                                     const DistributedWalkBlock& mine) {
  SharedWave shared;
  N2V_ASSIGN_OR_RETURN(shared.walks_before, GatherAll(comm, mine.lengths, shared.lengths));
  std::vector<WaveNode> nodes(mine.nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    nodes[i] = {mine.rows[i], OwnerOf(mine.nodes[i], comm.size()), mine.keep[i]};
  }
  N2V_RETURN_IF_ERROR(GatherAll(comm, nodes, shared.nodes).status());
  return shared;
}

KeptWalks Subsample(SharedWave shared, uint64_t seed, uint64_t wave_key, bool subsample) {
  KeptWalks kept;
  kept.begin.reserve(shared.lengths.size() + 1);
  // Kept nodes are written over the shared ones: `out` never passes `at`.
  size_t at = 0, out = 0;
  for (size_t rank = 0; rank + 1 < shared.walks_before.size(); ++rank) {
    const size_t first = shared.walks_before[rank];
    for (size_t w = 0; first + w < shared.walks_before[rank + 1]; ++w) {
      Rng rng(DeriveSeed(DeriveSeed(seed, internal::kSubsampleStream, wave_key),
                         rank, w));
      for (uint32_t i = 0; i < shared.lengths[first + w]; ++i, ++at) {
        const WaveNode n = shared.nodes[at];
        if (!subsample || n.keep >= 1.0f || rng.UniformFloat() < n.keep) {
          shared.nodes[out++] = n;
        }
      }
      kept.begin.push_back(out);
    }
  }
  shared.nodes.resize(out);
  kept.nodes = std::move(shared.nodes);
  return kept;
}

std::vector<Centre> CentresOf(const KeptWalks& kept, int owner) {
  std::vector<Centre> centres;
  for (uint32_t w = 0; w + 1 < kept.begin.size(); ++w) {
    for (uint64_t at = kept.begin[w]; at < kept.begin[w + 1]; ++at) {
      if (kept.nodes[at].owner == owner) {
        centres.push_back({w, static_cast<uint32_t>(at - kept.begin[w])});
      }
    }
  }
  return centres;
}

}  // namespace n2v::distributed
