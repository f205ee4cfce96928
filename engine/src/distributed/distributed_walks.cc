// GenerateDistributedWalks: waves of walkers moved between ranks in
// bulk-synchronous rounds, their nodes gathered at home.
//
// A round: every resident walker steps while its current node is this
// rank's; a walker whose next node is elsewhere migrates, one whose arc
// test needs another rank's arcs waits here and its query goes out. One
// exchange carries walkers and queries, a second the answers, and waiting
// walkers resume next round. The wave ends when no walker is left on any
// rank; the nodes each rank recorded then go to the walks' home ranks.
#include "n2v/distributed/distributed_walks.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "distributed/id_ranges.h"
#include "internal/parallel.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// A walker as it travels between ranks.
struct WalkerState {
  int64_t prev = -1;         // previous node id (valid when length >= 2)
  int64_t cur = 0;           // current node id, owned by the holding rank
  Rng::State rng{};
  uint32_t home_index = 0;   // its place in the home rank's wave
  int32_t home_rank = 0;
  uint32_t length = 1;       // nodes so far
  uint32_t arrived = 0;      // 1: `cur` is not recorded yet (just migrated)
};

// One node of a walk, recorded by the node's owner for the home rank, with
// what the owner knows of it.
struct Fragment {
  uint32_t home_index;
  uint32_t position;
  int64_t node;
  uint32_t row;  // on its owner
  float keep;
};

// "Is x a neighbour of t", asked of t's owner by a waiting walker.
struct Query {
  uint32_t slot;
  uint32_t unused;
  int64_t t;
  int64_t x;
};

struct Answer {
  uint32_t slot;
  uint32_t arc;
};

// A walker held by this rank in one round.
struct Resident {
  WalkerState state;
  bool resume = false;  // has an answer for its pending step
  bool answer = false;
  Node2VecWalker::DrivenStep step;
};

enum class Outcome : uint8_t { kDone, kMigrate, kWait };

// One resident's round: the nodes it took and where it goes next.
struct RoundResult {
  Outcome outcome = Outcome::kDone;
  std::vector<Fragment> taken;
};

class WaveRunner {
 public:
  WaveRunner(const Communicator& comm, const PartitionedGraph& graph,
             const Node2VecWalker& walker, const WalkAnnotations& annotations,
             int num_threads, DistributedWalkStats* stats)
      : comm_(comm), graph_(graph), walker_(walker), annotations_(annotations),
        threads_(num_threads), stats_(stats), fragments_(comm.size()) {}

  // The fragment of walk `s`'s node `v` (owned here) at `position`.
  Fragment Record(const WalkerState& s, uint32_t position, NodeIndex v) const;

  // Runs walkers until none is left on any rank; the recorded nodes are
  // then in fragments() by home rank.
  absl::Status Run(std::vector<Resident> residents);
  std::vector<std::string>& fragments() { return fragments_; }
  bool assembles() const { return annotations_.assemble; }

 private:
  // Steps `r` as far as this rank can take it.
  Outcome Advance(Resident& r, std::vector<Fragment>& taken) const;
  // Sends walkers and queries, answers the queries received; returns the
  // next round's residents.
  absl::StatusOr<std::vector<Resident>> Exchange(std::vector<Resident>& residents,
                                                 std::vector<RoundResult>& results);
  absl::Status AnswerQueries(const std::vector<std::string>& in,
                             std::vector<Resident>& waiting,
                             std::vector<Resident>& next);

  const Communicator& comm_;
  const PartitionedGraph& graph_;
  const Node2VecWalker& walker_;
  const WalkAnnotations& annotations_;
  int threads_;
  DistributedWalkStats* stats_;
  std::vector<std::string> fragments_;  // by home rank
};

Fragment WaveRunner::Record(const WalkerState& s, uint32_t position,
                            NodeIndex v) const {
  const uint32_t row = graph_.row_of(v);
  if (annotations_.counts != nullptr) {
    std::atomic_ref<uint64_t>((*annotations_.counts)[row])
        .fetch_add(1, std::memory_order_relaxed);
  }
  const float keep = annotations_.keep.empty() ? 1.0f : annotations_.keep[row];
  return Fragment{s.home_index, position, graph_.local().original_id(v), row, keep};
}

Outcome WaveRunner::Advance(Resident& r, std::vector<Fragment>& taken) const {
  const CsrGraph& g = graph_.local();
  const uint32_t walk_length = walker_.params().walk_length;
  WalkerState& s = r.state;
  NodeIndex v = *g.ids().Find(s.cur);
  if (s.arrived) {
    taken.push_back(Record(s, s.length - 1, v));
    s.arrived = 0;
  }
  Rng rng = Rng::FromState(s.rng);
  Outcome outcome = Outcome::kDone;
  // The previous node in this graph: looked up once, then the node left.
  NodeIndex t = kNoNode;
  if (s.length >= 2) {
    if (auto found = g.ids().Find(s.prev)) t = *found;
  }
  while (s.length < walk_length) {
    const bool has_previous = s.length >= 2;
    const bool arcs_of_t_here = t != kNoNode && graph_.owns(t);
    NodeIndex next = kNoNode;
    auto result = r.resume
                      ? walker_.ResumeStep(r.answer, arcs_of_t_here, rng, &r.step, &next)
                      : walker_.BeginStep(t, v, has_previous, arcs_of_t_here, rng,
                                          &r.step, &next);
    r.resume = false;
    if (result == Node2VecWalker::StepResult::kEnded) break;
    if (result == Node2VecWalker::StepResult::kNeedsArcTest) {
      outcome = Outcome::kWait;
      break;
    }
    s.prev = s.cur;
    s.cur = g.original_id(next);
    ++s.length;
    if (!graph_.owns(next)) {
      // Its owner records it: even a walk's last node migrates.
      s.arrived = 1;
      outcome = Outcome::kMigrate;
      break;
    }
    taken.push_back(Record(s, s.length - 1, next));
    t = v;
    v = next;
  }
  s.rng = rng.state();
  return outcome;
}

absl::Status WaveRunner::Run(std::vector<Resident> residents) {
  while (true) {
    std::vector<RoundResult> results(residents.size());
    internal::RunInArena(threads_, [&] {
      tbb::parallel_for(tbb::blocked_range<size_t>(0, residents.size(), 64),
                        [&](const tbb::blocked_range<size_t>& range) {
                          for (size_t i = range.begin(); i < range.end(); ++i) {
                            results[i].outcome =
                                Advance(residents[i], results[i].taken);
                          }
                        });
    });
    N2V_ASSIGN_OR_RETURN(residents, Exchange(residents, results));
    ++stats_->rounds;
    std::vector<uint64_t> left = {residents.size()};
    N2V_RETURN_IF_ERROR(comm_.SumAll(std::span<uint64_t>(left)));
    if (left[0] == 0) return absl::OkStatus();
  }
}

absl::StatusOr<std::vector<Resident>> WaveRunner::Exchange(
    std::vector<Resident>& residents, std::vector<RoundResult>& results) {
  const int ranks = comm_.size();
  // Per destination: walkers, then queries, each section led by its count.
  std::vector<std::string> walkers(ranks), queries(ranks);
  std::vector<Resident> waiting;
  for (size_t i = 0; i < residents.size(); ++i) {
    Resident& r = residents[i];
    for (const Fragment& f : results[i].taken) {
      stats_->steps += f.position > 0;
      if (annotations_.assemble) AppendPod(fragments_[r.state.home_rank], f);
    }
    if (results[i].outcome == Outcome::kMigrate) {
      AppendPod(walkers[graph_.owner(r.state.cur)], r.state);
      ++stats_->migrations;
    } else if (results[i].outcome == Outcome::kWait) {
      const auto slot = static_cast<uint32_t>(waiting.size());
      AppendPod(queries[graph_.owner(r.state.prev)],
                Query{slot, 0, r.state.prev,
                      graph_.local().original_id(r.step.proposal)});
      ++stats_->arc_queries;
      waiting.push_back(std::move(r));
    }
  }
  std::vector<std::string> out(ranks), in;
  for (int d = 0; d < ranks; ++d) {
    AppendPod(out[d], static_cast<uint64_t>(walkers[d].size()));
    out[d] += walkers[d];
    out[d] += queries[d];
  }
  N2V_RETURN_IF_ERROR(comm_.AllToAll(out, &in));
  std::vector<Resident> next;
  for (const std::string& bytes : in) {
    uint64_t walker_bytes = 0;
    std::memcpy(&walker_bytes, bytes.data(), sizeof walker_bytes);
    for (const WalkerState& s : ReadPods<WalkerState>(
             std::string_view(bytes).substr(sizeof walker_bytes, walker_bytes))) {
      Resident r;
      r.state = s;
      next.push_back(std::move(r));
    }
  }
  N2V_RETURN_IF_ERROR(AnswerQueries(in, waiting, next));
  return next;
}

absl::Status WaveRunner::AnswerQueries(const std::vector<std::string>& in,
                                       std::vector<Resident>& waiting,
                                       std::vector<Resident>& next) {
  const CsrGraph& g = graph_.local();
  std::vector<std::string> answers(comm_.size()), back;
  for (int from = 0; from < comm_.size(); ++from) {
    const std::string_view bytes = in[from];
    uint64_t walker_bytes = 0;
    std::memcpy(&walker_bytes, bytes.data(), sizeof walker_bytes);
    for (const Query& q : ReadPods<Query>(bytes.substr(sizeof walker_bytes + walker_bytes))) {
      const auto t = g.ids().Find(q.t);
      const auto x = g.ids().Find(q.x);
      const bool arc = t && x && graph_.owns(*t) && g.HasArc(*t, *x);
      AppendPod(answers[from], Answer{q.slot, arc ? 1u : 0u});
    }
  }
  N2V_RETURN_IF_ERROR(comm_.AllToAll(answers, &back));
  for (const std::string& bytes : back) {
    for (const Answer& a : ReadPods<Answer>(bytes)) {
      Resident& r = waiting[a.slot];
      r.resume = true;
      r.answer = a.arc != 0;
      next.push_back(std::move(r));
    }
  }
  return absl::OkStatus();
}

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

// The wave's walks from the fragments its home rank received: lengths
// first, then each node straight into its place.
DistributedWalkBlock AssembleWave(const std::vector<std::string>& received,
                                  uint64_t count) {
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
  block.nodes.resize(start[count]);
  block.rows.resize(start[count]);
  block.keep.resize(start[count]);
  for (const std::string& bytes : received) {
    for (size_t at = 0; at + sizeof(Fragment) <= bytes.size(); at += sizeof(Fragment)) {
      Fragment f;
      std::memcpy(&f, bytes.data() + at, sizeof f);
      const uint64_t i = start[f.home_index] + f.position;
      block.nodes[i] = f.node;
      block.rows[i] = f.row;
      block.keep[i] = f.keep;
    }
  }
  return block;
}

}  // namespace

absl::Status GenerateDistributedWalks(
    const Communicator& comm, const PartitionedGraph& graph,
    const WalksOptions& options, uint64_t walks_per_wave,
    absl::FunctionRef<absl::Status(const DistributedWalkBlock&)> sink,
    DistributedWalkStats* stats, const OptionNames& names,
    const WalkAnnotations& annotations) {
  N2V_RETURN_IF_ERROR(ValidateWalksOptions(options, names));
  if (walks_per_wave == 0 || walks_per_wave > UINT32_MAX) {
    return absl::InvalidArgumentError(absl::StrCat(
        "walks per wave must be between 1 and ", UINT32_MAX, ", got ", walks_per_wave));
  }
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
      WaveRunner runner(comm, graph, walker, annotations, options.num_threads, stats);
      std::vector<Resident> residents = StartWave(
          starts, begin, end, round, options.seed, comm.rank(), graph.local(), runner);
      N2V_RETURN_IF_ERROR(runner.Run(std::move(residents)));
      DistributedWalkBlock block;
      if (annotations.assemble) {
        std::vector<std::string> received;
        N2V_RETURN_IF_ERROR(comm.AllToAll(runner.fragments(), &received));
        block = AssembleWave(received, end - begin);
      }
      block.wave = wave++;
      block.waves = waves;
      N2V_RETURN_IF_ERROR(sink(block));
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
