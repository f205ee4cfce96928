// MpiRanks: the MPI session and the rank group, or nothing without MPI.
#include "mpi_ranks.h"

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#ifdef N2V_WITH_MPI
#include "n2v/distributed/communicator.h"
#include "n2v/distributed/rank_group.h"
#include "n2v/distributed/rank_watch.h"
#endif

namespace n2v::sidecar {

#ifdef N2V_WITH_MPI

// Destroyed in reverse: the group, then the watch, then the session.
struct MpiRanks::State {
  std::unique_ptr<distributed::MpiSession> session;
  std::shared_ptr<distributed::RankWatch> watch;
  std::unique_ptr<distributed::RankGroup> group;
  uint64_t walks_per_wave = kDefaultWalksPerWave;
  uint64_t follower_budget = UINT64_MAX;
};

namespace {

// Whether a process manager (Open MPI's mpirun, PMIx or PMI) started us.
bool LaunchedByMpirun() {
  for (const char* variable : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"}) {
    if (std::getenv(variable) != nullptr) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<MpiRanks>> MpiRanks::JoinIfLaunched(int* argc,
                                                                    char*** argv) {
  if (!LaunchedByMpirun()) return nullptr;
  auto state = std::make_unique<State>();
  auto session = distributed::MpiSession::Start(
      argc, argv, distributed::MpiSession::Threads::kSerialized);
  if (!session.ok()) return session.status();
  state->session = std::move(*session);
  state->group = std::make_unique<distributed::RankGroup>(distributed::Communicator::World());
  return std::unique_ptr<MpiRanks>(new MpiRanks(std::move(state)));
}

absl::Status MpiRanks::Watch(absl::Duration timeout, uint64_t walks_per_wave,
                             uint64_t memory_budget) {
  const distributed::Communicator world = distributed::Communicator::World();
  // The smallest budget among the other ranks (the leader's own is its
  // MemoryBudget's).
  // The smallest as the largest room below UINT64_MAX.
  std::vector<uint64_t> headroom = {world.rank() == 0 ? 0 : UINT64_MAX - memory_budget};
  if (absl::Status s = world.MaxAll(std::span<uint64_t>(headroom)); !s.ok()) return s;
  state_->follower_budget = UINT64_MAX - headroom[0];
  auto watch = distributed::RankWatch::Start(world, {.timeout = timeout});
  if (!watch.ok()) return watch.status();
  state_->watch = std::move(*watch);
  state_->walks_per_wave = walks_per_wave;
  state_->group = std::make_unique<distributed::RankGroup>(
      world.Watched(state_->watch->loss()), walks_per_wave, state_->watch.get());
  return absl::OkStatus();
}

absl::Status MpiRanks::AgreeOnFlags(const absl::Status& mine) {
  return distributed::AgreeOnStatus(distributed::Communicator::World(), mine,
                                    "it refused its flags");
}

bool MpiRanks::leader() const { return state_->group->leader(); }
int MpiRanks::rank() const { return distributed::Communicator::World().rank(); }
int MpiRanks::ranks() const { return state_->group->ranks(); }
absl::Status MpiRanks::Follow() { return state_->group->Follow(); }

RankRunner MpiRanks::Runner() {
  if (ranks() <= 1) return {};
  distributed::RankGroup* group = state_->group.get();
  std::shared_ptr<distributed::RankWatch> watch = state_->watch;
  return {.ranks = static_cast<uint32_t>(ranks()),
          .walks_per_wave = state_->walks_per_wave,
          .rank_memory_budget = state_->follower_budget,
          .reembed = [group](const CsrGraph& graph, const EmbedOptions& options,
                             const ReembedOptions& reembed,
                             const PreviousEmbedding& previous,
                             const EmbedControl& control, const OptionNames& names) {
            return group->Reembed(graph, options, reembed, previous, control, names);
          },
          .lost = [watch] { return watch != nullptr && watch->loss()->happened(); }};
}

void MpiRanks::Stop() {
  if (!leader()) return;
  (void)state_->group->Stop();
  if (state_->watch != nullptr) state_->watch->Stop();
}

#else  // !N2V_WITH_MPI

struct MpiRanks::State {};

absl::StatusOr<std::unique_ptr<MpiRanks>> MpiRanks::JoinIfLaunched(int*, char***) {
  return nullptr;
}
absl::Status MpiRanks::Watch(absl::Duration, uint64_t, uint64_t) {
  return absl::OkStatus();
}
absl::Status MpiRanks::AgreeOnFlags(const absl::Status& mine) { return mine; }
bool MpiRanks::leader() const { return true; }
int MpiRanks::rank() const { return 0; }
int MpiRanks::ranks() const { return 1; }
absl::Status MpiRanks::Follow() { return absl::OkStatus(); }
RankRunner MpiRanks::Runner() { return {}; }
void MpiRanks::Stop() {}

#endif  // N2V_WITH_MPI

MpiRanks::MpiRanks(std::unique_ptr<State> state) : state_(std::move(state)) {}
MpiRanks::~MpiRanks() = default;

}  // namespace n2v::sidecar
