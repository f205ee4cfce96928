// Initial rows: random, copied from a previous run, or neighbour means.
#include "internal/initial_rows.h"

#include <algorithm>
#include <vector>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"
#include "internal/train_context.h"
#include "n2v/random.h"

namespace n2v::internal {
namespace {

// Row of each node in `previous`, kNoNode where it has none.
std::vector<uint32_t> PreviousRowOf(const CsrGraph& graph,
                                    const Embeddings& previous) {
  std::vector<uint32_t> source(graph.num_nodes(), kNoNode);
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    if (auto r = previous.Find(graph.original_id(v))) source[v] = *r;
  }
  return source;
}

absl::Status SameDimensions(const Embeddings& previous, std::string_view what,
                            const Embeddings& rows) {
  if (previous.dimensions() == rows.dimensions()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(what), " have ", previous.dimensions(),
      " dimensions but dimensions is ", rows.dimensions()));
}

uint64_t CopyRows(const Embeddings& previous,
                  const std::vector<uint32_t>& source, Embeddings& rows) {
  uint64_t copied = 0;
  for (NodeIndex v = 0; v < source.size(); ++v) {
    if (source[v] == kNoNode) continue;
    std::copy_n(previous.row(source[v]).data(), rows.dimensions(),
                rows.mutable_row(v).data());
    ++copied;
  }
  return copied;
}

// Seeds the nodes of `block` (nodes without a previous row, in ascending
// order) from their neighbours' previous rows. Sums are kept in double and
// added arc by arc in CSR order.
uint64_t SeedBlock(const CsrGraph& graph, const Embeddings& previous,
                   const std::vector<uint32_t>& source,
                   std::span<const NodeIndex> block,
                   const std::vector<uint32_t>& slot_of, Embeddings& rows) {
  const uint32_t d = rows.dimensions();
  const NodeIndex first = block.front(), last = block.back();
  std::vector<double> sums(block.size() * size_t{d}, 0.0);
  std::vector<uint32_t> counts(block.size(), 0);
  auto add = [&](NodeIndex to, NodeIndex from) {
    if (to < first || to > last || slot_of[to] == kNoNode) return;
    const size_t slot = slot_of[to];
    const auto row = previous.row(source[from]);
    for (uint32_t i = 0; i < d; ++i) sums[slot * d + i] += row[i];
    ++counts[slot];
  };
  for (NodeIndex v = 0; v < graph.num_nodes(); ++v) {
    for (NodeIndex x : graph.out_neighbors(v)) {
      if (source[v] == kNoNode && source[x] != kNoNode) add(v, x);
      if (source[x] == kNoNode && source[v] != kNoNode && x != v) add(x, v);
    }
  }
  uint64_t seeded = 0;
  for (size_t slot = 0; slot < block.size(); ++slot) {
    if (counts[slot] == 0) continue;
    auto row = rows.mutable_row(block[slot]);
    for (uint32_t i = 0; i < d; ++i) {
      row[i] = static_cast<float>(sums[slot * d + i] / counts[slot]);
    }
    ++seeded;
  }
  return seeded;
}

uint64_t SeedFromNeighbours(const CsrGraph& graph, const Embeddings& previous,
                            const std::vector<uint32_t>& source,
                            Embeddings& rows) {
  std::vector<NodeIndex> missing;
  for (NodeIndex v = 0; v < source.size(); ++v) {
    if (source[v] == kNoNode) missing.push_back(v);
  }
  if (missing.empty()) return 0;
  const size_t per_block = std::max<size_t>(
      1, kSeedBlockBytes / (sizeof(double) * rows.dimensions()));
  std::vector<uint32_t> slot_of(graph.num_nodes(), kNoNode);
  uint64_t seeded = 0;
  for (size_t begin = 0; begin < missing.size(); begin += per_block) {
    const size_t end = std::min(missing.size(), begin + per_block);
    const std::span<const NodeIndex> block(missing.data() + begin, end - begin);
    for (size_t s = 0; s < block.size(); ++s) slot_of[block[s]] = s;
    seeded += SeedBlock(graph, previous, source, block, slot_of, rows);
    for (NodeIndex v : block) slot_of[v] = kNoNode;
  }
  return seeded;
}

}  // namespace

void InitializeRow(std::span<float> row, uint64_t seed, uint64_t key,
                   EmbeddingInitializer initializer) {
  const auto d = static_cast<uint32_t>(row.size());
  // u - 0.5 is in [-0.5, 0.5); dividing by d, or doubling.
  const bool uniform = initializer == EmbeddingInitializer::kUniform;
  Rng rng(DeriveSeed(seed, kInitStream, key));
  for (uint32_t i = 0; i < d; ++i) {
    const float centred = rng.UniformFloat() - 0.5f;
    row[i] = uniform ? 2 * centred : centred / d;
  }
}

void InitializeInputRows(Embeddings& rows, uint64_t seed,
                         EmbeddingInitializer initializer) {
  tbb::parallel_for(tbb::blocked_range<size_t>(0, rows.size(), 1024),
                    [&](const tbb::blocked_range<size_t>& r) {
                      for (size_t v = r.begin(); v < r.end(); ++v) {
                        InitializeRow(rows.mutable_row(v), seed, v, initializer);
                      }
                    });
}

absl::StatusOr<WarmStartCounts> WarmStartRows(const CsrGraph& graph,
                                              const Embeddings& previous,
                                              std::string_view what,
                                              Embeddings& rows) {
  if (absl::Status s = SameDimensions(previous, what, rows); !s.ok()) return s;
  const std::vector<uint32_t> source = PreviousRowOf(graph, previous);
  WarmStartCounts counts;
  counts.copied = CopyRows(previous, source, rows);
  if (counts.copied < graph.num_nodes()) {
    counts.seeded = SeedFromNeighbours(graph, previous, source, rows);
  }
  return counts;
}

absl::StatusOr<uint64_t> CopyPreviousRows(const CsrGraph& graph,
                                          const Embeddings& previous,
                                          std::string_view what,
                                          Embeddings& rows) {
  if (absl::Status s = SameDimensions(previous, what, rows); !s.ok()) return s;
  return CopyRows(previous, PreviousRowOf(graph, previous), rows);
}

uint64_t WarmStartScratchBytes(uint64_t num_nodes, uint32_t dimensions) {
  const uint64_t sums =
      std::min<uint64_t>(num_nodes * dimensions * sizeof(double),
                         kSeedBlockBytes + dimensions * sizeof(double));
  // Previous row per node, block slot per node, the missing list, and the
  // block's counts.
  return sums + num_nodes * 4 * sizeof(uint32_t);
}

}  // namespace n2v::internal
