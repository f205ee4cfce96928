// Communicator: the engine's MPI transport. The distributed module's only
// code that calls MPI; everything else speaks in byte buffers per rank and
// in collective sums.
//
// Errors: MPI is told to return errors (MPI_ERRORS_RETURN) rather than
// abort, and each failure comes back as Internal naming the call, the rank
// and MPI's reason. A rank that dies usually makes the MPI runtime end the
// whole job. Where the runtime lets the others go on (Open MPI's mpirun
// --enable-recovery), MPI itself never reports the loss: a watched
// communicator (Watched, with a RankWatch) waits on every call in a way
// that ends with the loss's status (Unavailable, naming the rank) as soon
// as the watch sees one.
//
// Thread safety: one thread at a time per process (see MpiSession).
#ifndef N2V_DISTRIBUTED_COMMUNICATOR_H_
#define N2V_DISTRIBUTED_COMMUNICATOR_H_

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"

namespace n2v::distributed {

// MPI_Init_thread / MPI_Finalize for the life of the process's distributed
// work. One per process.
class MpiSession {
 public:
  // kFunneled: MPI from the main thread only (the n2v-mpi commands);
  // kSerialized: from any thread, one at a time (the sidecar's jobs, and
  // the RankWatch beside them: they take turns, see mpi_turn.h).
  enum class Threads { kFunneled, kSerialized };
  static absl::StatusOr<std::unique_ptr<MpiSession>> Start(
      int* argc, char*** argv, Threads threads = Threads::kFunneled);
  // MPI_Finalize, unless requests were abandoned to a lost rank (see
  // Communicator::Watched): MPI_Finalize would wait for that rank, so the
  // process just exits.
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  MpiSession() = default;
};

// Ends every process of the job (MPI_Abort) with `exit_code`: for a rank
// that cannot go on while the others may be waiting for it.
[[noreturn]] void AbortJob(int exit_code);

// The first rank found lost in a job, shared by a RankWatch (which
// reports it) and the communicators it watches (which fail with it).
// Thread safety: all methods may be called concurrently.
class RankLoss {
 public:
  bool happened() const { return happened_.load(std::memory_order_acquire); }
  // Unavailable "rank r of N stopped answering: <reason>"; OK before.
  absl::Status status() const;
  // The first report wins; later ones are ignored.
  void Report(int rank, int ranks, std::string_view reason);

 private:
  std::atomic<bool> happened_{false};
  mutable std::mutex mu_;
  absl::Status status_;  // guarded by mu_
};

class Communicator {
 public:
  // All processes of the job.
  static Communicator World();
  // This communicator, failing with `loss` once it is reported. Its calls
  // then wait by polling MPI (MPI_Test), taking turns at MPI with the
  // watch's thread, rather than blocking in MPI, so a call that waits on
  // a lost rank returns. It abandons its request and frees its buffers.
  // That is safe because nothing progresses the request afterwards: every
  // later call of a watched communicator returns the loss without calling
  // MPI, the watch stops calling MPI, and the process must make no other
  // MPI call but MPI_Abort. While a RankWatch runs, use only the
  // communicators it watches.
  Communicator Watched(std::shared_ptr<const RankLoss> loss) const;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Every rank sends out[r] to rank r and gets in[r] from rank r, in one
  // MPI_Alltoallv while every rank sends and receives at most
  // `most_in_one_call` bytes (and 2 GiB) in all; otherwise every rank goes
  // pairwise, as Exchange does (the ranks agree which, with one MaxAll).
  absl::Status AllToAll(const std::vector<std::string>& out,
                        std::vector<std::string>* in,
                        uint64_t most_in_one_call = uint64_t{1} << 31) const;
  // AllToAll for large buffers: `out` is consumed, each out[r] freed once
  // rank r has it, so the bytes are held once beside what arrives, with no
  // packed copy of either side and no 2 GiB limit. Ranks are paired one
  // shift at a time (P - 1 steps), and a buffer goes `piece` bytes (at
  // most 1 GiB) at a time.
  absl::Status Exchange(std::vector<std::string> out, std::vector<std::string>* in,
                        uint64_t piece = uint64_t{1} << 30) const;
  // Every rank's `mine`, on every rank, in one buffer: rank r's bytes are
  // (*all)[offsets[r], offsets[r + 1]).
  absl::Status AllGather(std::string_view mine, std::string* all,
                         std::vector<size_t>* offsets) const;
  // AllGather into a buffer the caller provides once it knows the total:
  // `receive(total)` returns where the `total` bytes go. Up to `piece`
  // bytes in all (at most 1 GiB) it is one MPI_Allgatherv; above, the parts
  // go around the ring straight into place, `piece` bytes at a time, so
  // there is no 2 GiB limit.
  absl::Status AllGatherInto(std::span<const char> mine,
                             absl::FunctionRef<char*(uint64_t total)> receive,
                             std::vector<size_t>* offsets,
                             uint64_t piece = uint64_t{1} << 30) const;
  // Element-wise sums (in place) and maxima over every rank.
  absl::Status SumAll(std::span<uint64_t> values) const;
  absl::Status SumAll(std::span<double> values) const;
  absl::Status MaxAll(std::span<uint64_t> values) const;
  // The element-wise sum over ranks, with the same bits on every rank and
  // in every run: each rank sums one slice in rank order (an all-to-all),
  // and the slices are gathered, whatever order MPI's own reductions take.
  absl::Status DeterministicSum(std::span<double> values) const;
  // Makes `bytes` rank `root`'s on every rank.
  absl::Status Broadcast(std::string* bytes, int root) const;
  // Broadcast for ranks that may wait long (a service's idle followers):
  // they sleep between checks instead of spinning on a core. Matches only
  // BroadcastPatiently on the other ranks.
  absl::Status BroadcastPatiently(std::string* bytes, int root) const;
  // Collective around a ring, within one buffer: sends its first `size`
  // bytes to rank `to` and puts what rank `from` sends in their place,
  // `piece` bytes at a time, so the buffer is held once with one piece
  // beside it. Returns the size that arrived. Internal on every rank when
  // any rank's arrival exceeds its `capacity`.
  absl::StatusOr<uint64_t> ShiftInPlace(char* buffer, uint64_t capacity, uint64_t size,
                                        int to, int from, uint64_t piece) const;
  // Point to point, for a rank that serves another's requests.
  absl::Status Send(int to, int tag, std::string_view bytes) const;
  absl::StatusOr<std::string> Receive(int from, int tag) const;
  absl::Status Barrier() const;

  // Bytes this rank has sent to other ranks so far.
  uint64_t bytes_sent() const { return *bytes_sent_; }

 private:
  struct Requests;  // MPI requests of one call (communicator.cc)
  Communicator(int rank, int size) : rank_(rank), size_(size) {}
  absl::Status Check(int code, std::string_view call) const;
  // Runs one MPI call: `blocking` when unwatched; otherwise `start` (its
  // nonblocking form, which fills Requests) and a polled wait that ends
  // with the loss's status if a rank is lost first.
  absl::Status Call(std::string_view name, absl::FunctionRef<int()> blocking,
                    absl::FunctionRef<int(Requests&)> start) const;
  // The loss, when watched and one was reported; OK otherwise.
  absl::Status Lost() const;
  // SumAll and MaxAll: MPI_Allreduce in place (communicator.cc).
  template <typename T>
  absl::Status ReduceInPlace(std::span<T> values, bool maximum) const;
  // The second step of a broadcast: `size` bytes from `root`.
  absl::Status BroadcastBody(std::string* bytes, uint64_t size, int root) const;
  // MPI_Sendrecv of bytes.
  // What every rank sends this one, by rank: out[r].size() on rank r.
  absl::Status ShareSizes(const std::vector<std::string>& out,
                          std::vector<uint64_t>* sizes) const;
  // AllGatherInto's ring: rank r's part (of `sizes`, at `offsets` in `all`)
  // passed on P - 1 times.
  absl::Status RingGather(char* all, std::span<const char> mine,
                          const std::vector<uint64_t>& sizes,
                          const std::vector<size_t>& offsets, uint64_t piece) const;
  absl::Status SendReceive(const void* send, int send_bytes, void* receive,
                           int receive_bytes, int to, int from, int tag) const;

  int rank_ = 0;
  int size_ = 1;
  std::shared_ptr<const RankLoss> loss_;
  std::shared_ptr<uint64_t> bytes_sent_ = std::make_shared<uint64_t>(0);
};

// Collective. OK when `mine` is OK on every rank; otherwise, on every rank,
// the failure of the lowest failing rank: its own status there, Aborted
// "rank r failed: <what>" on the others (`what` names the step).
absl::Status AgreeOnStatus(const Communicator& comm, const absl::Status& mine,
                           std::string_view what);

// Plain-old-data records in byte buffers (all ranks run the same binary).
template <typename T>
void AppendPod(std::string& out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

template <typename T>
std::vector<T> ReadPods(std::string_view bytes) {
  static_assert(std::is_trivially_copyable_v<T>);
  std::vector<T> out(bytes.size() / sizeof(T));
  if (!out.empty()) std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
  return out;
}

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_COMMUNICATOR_H_
