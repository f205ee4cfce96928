// RankWatch over MPI: one 8-byte heartbeat per watched pair every
// interval, on a duplicate of the world communicator: the job the leader
// has cancelled, or 0.
#include "n2v/distributed/rank_watch.h"

#include <mpi.h>

#include <chrono>
#include <vector>

#include "abandoned_requests.h"
#include "absl/strings/str_cat.h"
#include "mpi_turn.h"

namespace n2v::distributed {
namespace {

constexpr int kHeartbeatTag = 7101;

// The ranks this rank watches: every other one for the leader, the
// leader for the others.
std::vector<int> WatchedPeers(int rank, int ranks) {
  std::vector<int> peers;
  if (rank != 0) {
    peers.push_back(0);
  } else {
    for (int r = 1; r < ranks; ++r) peers.push_back(r);
  }
  return peers;
}

}  // namespace

// One heartbeat stream per peer: its pending receive and send, and when it
// was last heard from.
struct RankWatch::Channel {
  struct Peer {
    int rank = 0;
    uint64_t inbox = 0;
    uint64_t outbox = 0;  // kept until its send completes
    MPI_Request receive = MPI_REQUEST_NULL;
    MPI_Request send = MPI_REQUEST_NULL;
    absl::Time heard;
  };
  MPI_Comm comm = MPI_COMM_NULL;
  std::vector<Peer> peers;

  int Listen(Peer& peer) {
    return MPI_Irecv(&peer.inbox, sizeof peer.inbox, MPI_BYTE, peer.rank, kHeartbeatTag,
                     comm, &peer.receive);
  }
  // Takes in what arrived from `peer` (each heartbeat's job to `heard`)
  // and sends it `beat` when the last heartbeat has left. MPI's error code
  // otherwise.
  template <typename Heard>
  int Exchange(Peer& peer, absl::Time now, uint64_t beat, Heard heard) {
    for (int arrived = 1; arrived;) {
      if (int code = MPI_Test(&peer.receive, &arrived, MPI_STATUS_IGNORE);
          code != MPI_SUCCESS) {
        return code;
      }
      if (!arrived) break;
      peer.heard = now;
      heard(peer.inbox);
      if (int code = Listen(peer); code != MPI_SUCCESS) return code;
    }
    int sent = 1;
    if (peer.send != MPI_REQUEST_NULL) {
      if (int code = MPI_Test(&peer.send, &sent, MPI_STATUS_IGNORE); code != MPI_SUCCESS) {
        return code;
      }
    }
    if (!sent) return MPI_SUCCESS;
    peer.outbox = beat;
    return MPI_Isend(&peer.outbox, sizeof peer.outbox, MPI_BYTE, peer.rank, kHeartbeatTag,
                     comm, &peer.send);
  }
  // After a normal stop: withdraw the receives and let the sends finish.
  void Close() {
    for (Peer& peer : peers) {
      if (peer.receive != MPI_REQUEST_NULL) {
        MPI_Cancel(&peer.receive);
        MPI_Wait(&peer.receive, MPI_STATUS_IGNORE);
      }
      if (peer.send != MPI_REQUEST_NULL) MPI_Wait(&peer.send, MPI_STATUS_IGNORE);
    }
  }
};

namespace {

// The options with the interval chosen, or what is wrong with them.
absl::StatusOr<RankWatchOptions> CheckOptions(RankWatchOptions options) {
  if (options.timeout < absl::Milliseconds(100)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the rank timeout must be at least 100ms, got ",
        absl::FormatDuration(options.timeout)));
  }
  if (options.interval == absl::ZeroDuration()) options.interval = options.timeout / 10;
  if (options.interval <= absl::ZeroDuration() || options.interval >= options.timeout) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the heartbeat interval must be positive and below the rank timeout (",
        absl::FormatDuration(options.timeout), "), got ",
        absl::FormatDuration(options.interval)));
  }
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RankWatch>> RankWatch::Start(const Communicator& comm,
                                                            RankWatchOptions asked) {
  // Each rank may have its own options: all start, or none does.
  const absl::StatusOr<RankWatchOptions> checked = CheckOptions(asked);
  if (absl::Status s = AgreeOnStatus(comm, checked.status(), "its rank watch options");
      !s.ok()) {
    return checked.ok() ? s : checked.status();  // a rank's own reason first
  }
  const RankWatchOptions options = *checked;
  auto channel = std::make_unique<Channel>();
  if (int code = MPI_Comm_dup(MPI_COMM_WORLD, &channel->comm); code != MPI_SUCCESS) {
    return absl::InternalError(absl::StrCat("MPI_Comm_dup failed on rank ", comm.rank()));
  }
  MPI_Comm_set_errhandler(channel->comm, MPI_ERRORS_RETURN);
  const absl::Time now = absl::Now();
  // All peers first: MPI keeps the address of each one's inbox.
  for (int peer : WatchedPeers(comm.rank(), comm.size())) {
    channel->peers.push_back({.rank = peer, .heard = now});
  }
  for (Channel::Peer& peer : channel->peers) {
    if (int code = channel->Listen(peer); code != MPI_SUCCESS) {
      return absl::InternalError(absl::StrCat("MPI_Irecv failed on rank ", comm.rank()));
    }
  }
  std::unique_ptr<RankWatch> watch(new RankWatch(comm, options, std::move(channel)));
  watch->thread_ = std::thread([w = watch.get()] { w->Run(); });
  return watch;
}

RankWatch::RankWatch(const Communicator& comm, RankWatchOptions options,
                     std::unique_ptr<Channel> channel)
    : rank_(comm.rank()), ranks_(comm.size()), options_(options),
      channel_(std::move(channel)) {}

RankWatch::~RankWatch() { Stop(); }

void RankWatch::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RankWatch::RelayCancel(uint64_t job, const std::atomic<bool>* cancel) {
  std::lock_guard<std::mutex> lock(relay_mu_);
  relay_job_ = job;
  relay_cancel_ = cancel;
}

const std::atomic<bool>* RankWatch::CancelOf(uint64_t job) {
  std::lock_guard<std::mutex> lock(relay_mu_);
  relay_job_ = job;
  follower_cancel_.store(false, std::memory_order_relaxed);
  return &follower_cancel_;
}

uint64_t RankWatch::CancelledJob() {
  if (rank_ != 0) return 0;
  std::lock_guard<std::mutex> lock(relay_mu_);
  const bool raised =
      relay_cancel_ != nullptr && relay_cancel_->load(std::memory_order_relaxed);
  return raised ? relay_job_ : 0;
}

void RankWatch::HeardCancel(uint64_t job) {
  if (rank_ == 0 || job == 0) return;
  std::lock_guard<std::mutex> lock(relay_mu_);
  if (job == relay_job_) follower_cancel_.store(true, std::memory_order_relaxed);
}

void RankWatch::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const absl::Time now = absl::Now();
    const uint64_t beat = CancelledJob();
    for (Channel::Peer& peer : channel_->peers) {
      int code = MPI_SUCCESS;
      {
        MpiTurn turn;
        code = channel_->Exchange(peer, now, beat,
                                  [this](uint64_t job) { HeardCancel(job); });
      }
      if (code != MPI_SUCCESS) {
        loss_->Report(peer.rank, ranks_,
                      absl::StrCat("rank ", rank_, " could not exchange heartbeats with it"));
      } else if (now - peer.heard > options_.timeout) {
        loss_->Report(peer.rank, ranks_,
                      absl::StrCat("rank ", rank_, " heard no heartbeat from it for ",
                                   absl::FormatDuration(now - peer.heard),
                                   " (its process ended, or its machine or network failed)"));
      }
      // From here on this process makes no MPI call (Communicator::Watched).
      if (loss_->happened()) {
        MarkRequestsAbandoned();
        return;
      }
    }
    lock.lock();
    wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.interval),
                   [this] { return stopping_; });
  }
  lock.unlock();
  if (!loss_->happened()) {
    MpiTurn turn;
    channel_->Close();
  }
}

}  // namespace n2v::distributed
