// GenerateDistributedWalks: the walks' start nodes, waves of them run by
// WaveRunner, and each wave's walks assembled at home; GatherWave.
#include "n2v/distributed/distributed_walks.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "distributed/id_ranges.h"
#include "distributed/wave_runner.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// This rank's start nodes (ids, ascending): its own nodes, or those of
// walk_from. InvalidArgument, on every rank, for an id no rank holds.
absl::StatusOr<std::vector<int64_t>> HomeStarts(const Communicator& comm,
                                                const PartitionedGraph& graph,
                                                const std::vector<int64_t>& walk_from,
                                                std::string_view name) {
  const CsrGraph& g = graph.local();
  std::vector<int64_t> starts;
  if (walk_from.empty()) {
    for (NodeIndex v : graph.owned()) starts.push_back(g.original_id(v));
    return starts;
  }
  // Each id is checked by its owner; the first missing id (smallest
  // position in walk_from) is reported everywhere.
  std::vector<uint64_t> first_missing = {walk_from.size()};
  for (size_t i = 0; i < walk_from.size(); ++i) {
    const int64_t id = walk_from[i];
    if (graph.owner(id) != comm.rank()) continue;
    auto v = g.ids().Find(id);
    if (v && graph.owns(*v)) {
      starts.push_back(id);
    } else {
      first_missing[0] = std::min<uint64_t>(first_missing[0], i);
    }
  }
  std::vector<uint64_t> smallest = {walk_from.size() - first_missing[0]};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(smallest)));
  if (smallest[0] != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(name), ": node id ", walk_from[walk_from.size() - smallest[0]],
                     " is not in the graph"));
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

// The walkers of round `round` from starts[begin, end), with their first
// node recorded.
std::vector<Resident> StartWave(const std::vector<int64_t>& starts, size_t begin,
                                size_t end, uint32_t round, uint64_t seed,
                                int rank, const CsrGraph& local, WaveRunner& runner) {
  std::vector<Resident> residents(end - begin);
  for (size_t k = 0; k < residents.size(); ++k) {
    WalkerState& s = residents[k].state;
    s.cur = starts[begin + k];
    s.rng = WalkRng(seed, s.cur, round).state();
    s.home_index = static_cast<uint32_t>(k);
    s.home_rank = rank;
    const Fragment first = runner.Record(s, 0, *local.ids().Find(s.cur));
    if (runner.assembles()) AppendPod(runner.fragments()[rank], first);
  }
  return residents;
}

// The wave's walks from the fragments its home rank received, by sender
// (each node's owner): lengths first, then each node straight into its
// place, as an id or as what training needs (`ids`).
DistributedWalkBlock AssembleWave(const std::vector<std::string>& received,
                                  uint64_t count, bool ids) {
  DistributedWalkBlock block;
  block.lengths.assign(count, 0);
  for (const std::string& bytes : received) {
    for (size_t at = 0; at + sizeof(Fragment) <= bytes.size(); at += sizeof(Fragment)) {
      Fragment f;
      std::memcpy(&f, bytes.data() + at, sizeof f);
      block.lengths[f.home_index] = std::max(block.lengths[f.home_index], f.position + 1);
    }
  }
  std::vector<uint64_t> start(count + 1, 0);
  for (uint64_t k = 0; k < count; ++k) start[k + 1] = start[k] + block.lengths[k];
  if (ids) {
    block.nodes.resize(start[count]);
  } else {
    block.owners.resize(start[count]);
    block.rows.resize(start[count]);
    block.keep.resize(start[count]);
  }
  for (size_t owner = 0; owner < received.size(); ++owner) {
    const std::string& bytes = received[owner];
    for (size_t at = 0; at + sizeof(Fragment) <= bytes.size(); at += sizeof(Fragment)) {
      Fragment f;
      std::memcpy(&f, bytes.data() + at, sizeof f);
      const uint64_t i = start[f.home_index] + f.position;
      if (ids) {
        block.nodes[i] = f.node;
        continue;
      }
      block.owners[i] = static_cast<int32_t>(owner);
      block.rows[i] = f.trained.row;
      block.keep[i] = f.trained.keep;
    }
  }
  return block;
}

}  // namespace

absl::Status GenerateDistributedWalks(
    const Communicator& comm, const PartitionedGraph& graph,
    const WalksOptions& options, uint64_t walks_per_wave,
    absl::FunctionRef<absl::Status(DistributedWalkBlock)> sink,
    DistributedWalkStats* stats, const OptionNames& names,
    const WalkAnnotations& annotations) {
  N2V_RETURN_IF_ERROR(ValidateWalksOptions(options, names));
  N2V_RETURN_IF_ERROR(ValidateWalksPerWave(walks_per_wave, names));
  DistributedWalkStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  *stats = {};
  const uint64_t bytes_before = comm.bytes_sent();
  N2V_ASSIGN_OR_RETURN(std::vector<int64_t> starts,
                       HomeStarts(comm, graph, options.walk_from, names.walk_from));
  N2V_ASSIGN_OR_RETURN(std::vector<size_t> slice_ends,
                       PlanIdRanges(comm, starts, walks_per_wave * comm.size()));
  N2V_ASSIGN_OR_RETURN(Node2VecWalker walker,
                       Node2VecWalker::Create(graph.local(), options.walk));
  stats->walks = starts.size() * uint64_t{options.walks_per_node};
  const uint64_t waves = slice_ends.size() * uint64_t{options.walks_per_node};
  uint64_t wave = 0;
  for (uint32_t round = 0; round < options.walks_per_node; ++round) {
    size_t begin = 0;
    for (size_t end : slice_ends) {
      DistributedWalkBlock block;
      {
        // The runner and the fragments are freed before the sink runs.
        WaveRunner runner(comm, graph, walker, annotations, options.num_threads, stats);
        std::vector<Resident> residents = StartWave(
            starts, begin, end, round, options.seed, comm.rank(), graph.local(), runner);
        N2V_RETURN_IF_ERROR(runner.Run(std::move(residents)));
        if (annotations.assemble) {
          std::vector<std::string> received;
          N2V_RETURN_IF_ERROR(comm.Exchange(std::move(runner.fragments()), &received));
          block = AssembleWave(received, end - begin, annotations.ids);
        }
      }
      block.wave = wave++;
      block.waves = waves;
      N2V_RETURN_IF_ERROR(sink(std::move(block)));
      begin = end;
    }
  }
  stats->bytes_sent = comm.bytes_sent() - bytes_before;
  return absl::OkStatus();
}

absl::StatusOr<WalkBlock> GatherWave(const Communicator& comm,
                                     const WalkBlock& mine, int root) {
  std::vector<std::string> out(comm.size()), in;
  AppendPod(out[root], static_cast<uint64_t>(mine.lengths.size()));
  for (uint32_t length : mine.lengths) AppendPod(out[root], length);
  for (int64_t node : mine.nodes) AppendPod(out[root], node);
  N2V_RETURN_IF_ERROR(comm.AllToAll(out, &in));
  WalkBlock merged;
  if (comm.rank() != root) return merged;
  // Each rank's walks, in order, with where each starts in its nodes.
  struct Source {
    std::vector<uint32_t> lengths;
    std::vector<int64_t> nodes;
    size_t walk = 0, at = 0;
  };
  std::vector<Source> sources(comm.size());
  for (int r = 0; r < comm.size(); ++r) {
    uint64_t walks = 0;
    std::memcpy(&walks, in[r].data(), sizeof walks);
    const std::string_view rest = std::string_view(in[r]).substr(sizeof walks);
    sources[r].lengths = ReadPods<uint32_t>(rest.substr(0, walks * sizeof(uint32_t)));
    sources[r].nodes = ReadPods<int64_t>(rest.substr(walks * sizeof(uint32_t)));
  }
  // Within a wave every walk has a distinct start: merge by start id.
  while (true) {
    Source* next = nullptr;
    for (Source& s : sources) {
      if (s.walk == s.lengths.size()) continue;
      if (next == nullptr || s.nodes[s.at] < next->nodes[next->at]) next = &s;
    }
    if (next == nullptr) return merged;
    const uint32_t length = next->lengths[next->walk++];
    merged.lengths.push_back(length);
    merged.nodes.insert(merged.nodes.end(), next->nodes.begin() + next->at,
                        next->nodes.begin() + next->at + length);
    next->at += length;
  }
}

}  // namespace n2v::distributed
