// WaveRunner: walkers stepped here side by side, the exchanges of a round,
// and the answers to other ranks' arc tests.
#include "distributed/wave_runner.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/parallel_for.h>

#include "distributed/cancel_check.h"
#include "internal/parallel.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {
namespace {

// Walkers a task advances in a round.
constexpr size_t kWalkersPerTask = 256;
// Walkers a task steps side by side.
constexpr size_t kLanes = 16;

}  // namespace

Fragment WaveRunner::RecordRow(const WalkerState& s, uint32_t position,
                              NodeIndex v, uint32_t row) const {
  if (annotations_.counts != nullptr) {
    std::atomic_ref<uint64_t>((*annotations_.counts)[row])
        .fetch_add(1, std::memory_order_relaxed);
  }
  Fragment f{.home_index = s.home_index, .position = position, .node = 0};
  if (annotations_.ids) {
    f.node = graph_.local().original_id(v);
  } else {
    f.trained = {row, annotations_.keep.empty() ? 1.0f : annotations_.keep[row]};
  }
  return f;
}

// A walker in a task's turns. A step takes three turns, each reading what
// the one before asked the cache for:
//   settle (the node just taken: its id, owner and row; a node owned
//           elsewhere ends the lane's turns, to migrate),
//   ask    (the record's count and keep entries, and the arc the step will
//           propose first; settle does this too, in the same turn),
//   step   (record the node, then draw the next one: BeginStep or
//           ResumeStep; ask for the new node's id, owner, row and offsets).
// The walker's Rng lives here while it steps.
enum class WaveRunner::Stage : uint8_t { kSettle, kAsk, kStep };

struct WaveRunner::Lane {
  Resident* resident = nullptr;
  Outcome* outcome = nullptr;
  Rng rng{0};
  Stage stage = Stage::kAsk;
  NodeIndex v = kNoNode;      // current node, owned here
  NodeIndex t = kNoNode;      // previous node, when this graph holds it
  NodeIndex taken = kNoNode;  // kSettle: the node the step took
  bool unrecorded = false;    // v is not recorded yet
  uint32_t row = 0;           // v's row, once asked
};

void WaveRunner::Enter(Resident& r, Lane& lane) const {
  const CsrGraph& g = graph_.local();
  WalkerState& s = r.state;
  lane.resident = &r;
  lane.rng = Rng::FromState(s.rng);
  lane.v = *g.ids().Find(s.cur);
  lane.unrecorded = s.arrived != 0;
  s.arrived = 0;
  // The previous node in this graph: looked up once, then the node left.
  lane.t = kNoNode;
  if (s.length >= 2) {
    if (auto found = g.ids().Find(s.prev)) lane.t = *found;
  }
  graph_.PrefetchNode(lane.v);
  lane.stage = Stage::kAsk;
}

bool WaveRunner::Settle(Lane& lane) const {
  WalkerState& s = lane.resident->state;
  s.prev = s.cur;
  s.cur = graph_.local().original_id(lane.taken);
  ++s.length;
  if (!graph_.owns(lane.taken)) {
    // Its owner records it: even a walk's last node migrates.
    s.arrived = 1;
    *lane.outcome = Outcome::kMigrate;
    return true;
  }
  lane.t = lane.v;
  lane.v = lane.taken;
  lane.unrecorded = true;
  return false;
}

void WaveRunner::Ask(Lane& lane) const {
  const WalkerState& s = lane.resident->state;
  if (lane.unrecorded) {
    lane.row = graph_.row_of(lane.v);
    if (annotations_.counts != nullptr) {
      __builtin_prefetch(annotations_.counts->data() + lane.row, 1);
    }
    if (!annotations_.keep.empty()) __builtin_prefetch(annotations_.keep.data() + lane.row);
  }
  if (!lane.resident->resume && s.length < walker_.params().walk_length) {
    walker_.PrefetchFirstProposal(lane.t, lane.v, s.length >= 2, lane.rng);
  }
  lane.stage = Stage::kStep;
}

bool WaveRunner::Step(Lane& lane, TakenByHome& taken, uint64_t& steps) const {
  Resident& r = *lane.resident;
  WalkerState& s = r.state;
  if (lane.unrecorded) {
    const Fragment f = RecordRow(s, s.length - 1, lane.v, lane.row);
    if (annotations_.assemble) taken[s.home_rank].push_back(f);
    ++steps;
    lane.unrecorded = false;
  }
  if (s.length >= walker_.params().walk_length) {
    *lane.outcome = Outcome::kDone;
    return true;
  }
  const bool arcs_of_t_here = lane.t != kNoNode && graph_.owns(lane.t);
  NodeIndex next = kNoNode;
  auto result = r.resume ? walker_.ResumeStep(r.answer, arcs_of_t_here, lane.rng,
                                              &r.step, &next)
                         : walker_.BeginStep(lane.t, lane.v, s.length >= 2,
                                             arcs_of_t_here, lane.rng, &r.step, &next);
  r.resume = false;
  if (result == Node2VecWalker::StepResult::kEnded) {
    *lane.outcome = Outcome::kDone;
    return true;
  }
  if (result == Node2VecWalker::StepResult::kNeedsArcTest) {
    *lane.outcome = Outcome::kWait;
    return true;
  }
  graph_.PrefetchNode(next);
  lane.taken = next;
  lane.stage = Stage::kSettle;
  return false;
}

bool WaveRunner::Turn(Lane& lane, TakenByHome& taken, uint64_t& steps) const {
  switch (lane.stage) {
    case Stage::kSettle:
      if (Settle(lane)) return true;
      Ask(lane);
      return false;
    case Stage::kAsk:
      Ask(lane);
      return false;
    case Stage::kStep:
      return Step(lane, taken, steps);
  }
  return false;
}

void WaveRunner::AdvanceTask(std::span<Resident> residents,
                             std::span<Outcome> outcomes, TakenByHome& taken,
                             uint64_t& steps) const {
  Lane lanes[kLanes];
  size_t next = 0;  // the next resident to enter a lane
  const NodeIdIndex& ids = graph_.local().ids();
  // Puts the next resident in `lane`, and asks the cache for the id
  // lookups of the one that enters kLanes later.
  auto fill = [&](Lane& lane) {
    if (next == residents.size()) {
      lane.resident = nullptr;
      return false;
    }
    const size_t i = next++;
    if (i + kLanes < residents.size()) {
      const WalkerState& later = residents[i + kLanes].state;
      ids.Prefetch(later.cur);
      if (later.length >= 2) ids.Prefetch(later.prev);
    }
    lane.outcome = &outcomes[i];
    Enter(residents[i], lane);
    return true;
  };
  size_t active = 0;
  for (Lane& lane : lanes) active += fill(lane) ? 1 : 0;
  while (active > 0) {
    for (Lane& lane : lanes) {
      if (lane.resident == nullptr || !Turn(lane, taken, steps)) continue;
      lane.resident->state.rng = lane.rng.state();
      if (!fill(lane)) --active;
    }
  }
}

absl::Status WaveRunner::Run(std::vector<Resident> residents) {
  while (true) {
    const size_t tasks = (residents.size() + kWalkersPerTask - 1) / kWalkersPerTask;
    RoundResults results;
    results.outcomes.resize(residents.size());
    results.taken.assign(tasks, std::vector<std::vector<Fragment>>(comm_.size()));
    results.steps.assign(tasks, 0);
    internal::RunInArena(threads_, [&] {
      tbb::parallel_for(size_t{0}, tasks, [&](size_t task) {
        const size_t end = std::min(residents.size(), (task + 1) * kWalkersPerTask);
        const size_t begin = task * kWalkersPerTask;
        AdvanceTask(std::span<Resident>(residents).subspan(begin, end - begin),
                    std::span<Outcome>(results.outcomes).subspan(begin, end - begin),
                    results.taken[task], results.steps[task]);
      });
    });
    N2V_ASSIGN_OR_RETURN(residents, Exchange(residents, results));
    ++stats_->rounds;
    // Walkers left on every rank, and whether any rank was cancelled.
    std::vector<uint64_t> left = {residents.size(),
                                  Raised(annotations_.cancel) ? 1u : 0u};
    N2V_RETURN_IF_ERROR(comm_.SumAll(std::span<uint64_t>(left)));
    if (left[1] != 0) return CancelledStatus();
    if (left[0] == 0) return absl::OkStatus();
  }
}

absl::StatusOr<std::vector<Resident>> WaveRunner::Exchange(
    std::vector<Resident>& residents, RoundResults& results) {
  const int ranks = comm_.size();
  // Per destination: walkers, then queries, each section led by its count.
  std::vector<std::string> walkers(ranks), queries(ranks);
  std::vector<Resident> waiting;
  for (size_t task = 0; task < results.taken.size(); ++task) {
    stats_->steps += results.steps[task];
    for (int home = 0; home < ranks; ++home) {
      const std::vector<Fragment>& taken = results.taken[task][home];
      fragments_[home].append(reinterpret_cast<const char*>(taken.data()),
                              taken.size() * sizeof(Fragment));
    }
  }
  for (size_t i = 0; i < residents.size(); ++i) {
    Resident& r = residents[i];
    if (results.outcomes[i] == Outcome::kMigrate) {
      AppendPod(walkers[graph_.owner(r.state.cur)], r.state);
      ++stats_->migrations;
    } else if (results.outcomes[i] == Outcome::kWait) {
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

}  // namespace n2v::distributed
