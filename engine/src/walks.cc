// GenerateWalks: blocks of walks generated in parallel, handed over in the
// canonical order.
#include "n2v/walks.h"

#include <algorithm>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "internal/option_rules.h"
#include "internal/parallel.h"
#include "n2v/embed_options.h"
#include "n2v/status_macros.h"

namespace n2v {
namespace {

// Walks per block handed to the sink.
constexpr uint64_t kBlockWalks = 1 << 14;

absl::StatusOr<std::vector<NodeIndex>> StartNodes(const CsrGraph& graph,
                                                  const std::vector<int64_t>& ids,
                                                  std::string_view name) {
  std::vector<NodeIndex> starts;
  if (ids.empty()) {
    starts.resize(graph.num_nodes());
    for (NodeIndex v = 0; v < graph.num_nodes(); ++v) starts[v] = v;
    return starts;
  }
  for (int64_t id : ids) {
    auto v = graph.ids().Find(id);
    if (!v) {
      return absl::InvalidArgumentError(absl::StrCat(
          internal::Sv(name), ": node id ", id, " is not in the graph"));
    }
    starts.push_back(*v);
  }
  std::sort(starts.begin(), starts.end());  // ascending id = ascending index
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

// Walks [first, first + count) of the canonical order into `block`.
void GenerateBlock(const CsrGraph& graph, const Node2VecWalker& walker,
                   const WalksOptions& o, const std::vector<NodeIndex>& starts,
                   uint64_t first, uint64_t count, WalkBlock& block) {
  const uint32_t length = o.walk.walk_length;
  std::vector<NodeIndex> dense(count * length);
  block.lengths.assign(count, 0);
  tbb::parallel_for(
      tbb::blocked_range<uint64_t>(0, count, kMaxInterleavedWalks),
      [&](const tbb::blocked_range<uint64_t>& r) {
        NodeIndex begins[kMaxInterleavedWalks];
        NodeIndex* outs[kMaxInterleavedWalks];
        std::vector<Rng> rngs(kMaxInterleavedWalks, Rng(0));
        for (uint64_t k = r.begin(); k < r.end(); k += kMaxInterleavedWalks) {
          const auto batch = static_cast<uint32_t>(
              std::min<uint64_t>(kMaxInterleavedWalks, r.end() - k));
          for (uint32_t b = 0; b < batch; ++b) {
            const uint64_t walk = first + k + b;
            const NodeIndex start = starts[walk % starts.size()];
            begins[b] = start;
            outs[b] = dense.data() + (k + b) * length;
            rngs[b] = WalkRng(o.seed, graph.original_id(start),
                              static_cast<uint32_t>(walk / starts.size()));
          }
          walker.WalkInterleaved({begins, batch}, rngs.data(), outs,
                                 block.lengths.data() + k);
        }
      });
  block.nodes.clear();
  for (uint64_t k = 0; k < count; ++k) {
    for (uint32_t i = 0; i < block.lengths[k]; ++i) {
      block.nodes.push_back(graph.original_id(dense[k * length + i]));
    }
  }
}

}  // namespace

absl::Status ValidateWalksOptions(const WalksOptions& o,
                                  const OptionNames& names) {
  N2V_RETURN_IF_ERROR(ValidateWalkParams(o.walk, names));
  N2V_RETURN_IF_ERROR(internal::Between1And(names.walks_per_node,
                                            kMaxWalksPerNode, o.walks_per_node));
  if (o.num_threads < 0) {
    return internal::OutOfRange(names.num_threads, ">= 0", o.num_threads);
  }
  return absl::OkStatus();
}

absl::Status ValidateWalksPerWave(uint64_t walks_per_wave, const OptionNames& names) {
  return internal::Between1And(names.walks_per_wave, kMaxWalksPerWave, walks_per_wave);
}

absl::Status GenerateWalks(const CsrGraph& graph, const WalksOptions& options,
                           absl::FunctionRef<absl::Status(const WalkBlock&)> sink,
                           const EmbedControl& control,
                           const OptionNames& names) {
  N2V_RETURN_IF_ERROR(ValidateWalksOptions(options, names));
  N2V_ASSIGN_OR_RETURN(std::vector<NodeIndex> starts,
                       StartNodes(graph, options.walk_from, names.walk_from));
  if (starts.empty()) return absl::OkStatus();
  N2V_ASSIGN_OR_RETURN(Node2VecWalker walker,
                       Node2VecWalker::Create(graph, options.walk));
  const uint64_t total = uint64_t{starts.size()} * options.walks_per_node;
  WalkBlock block;
  for (uint64_t first = 0; first < total; first += kBlockWalks) {
    if (control.cancel != nullptr && control.cancel->load()) {
      return absl::CancelledError("walks cancelled");
    }
    const uint64_t count = std::min(kBlockWalks, total - first);
    internal::RunInArena(options.num_threads, [&] {
      GenerateBlock(graph, walker, options, starts, first, count, block);
    });
    N2V_RETURN_IF_ERROR(sink(block));
  }
  return absl::OkStatus();
}

}  // namespace n2v
