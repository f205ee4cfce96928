// Communicator over MPI.
#include "n2v/distributed/communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "abandoned_requests.h"
#include "mpi_turn.h"

namespace n2v::distributed {
namespace {

std::atomic<bool> requests_abandoned{false};

std::string MpiReason(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, length);
}

// MPI's type for the elements of an in-place reduction.
MPI_Datatype TypeOf(const uint64_t*) { return MPI_UINT64_T; }
MPI_Datatype TypeOf(const int64_t*) { return MPI_INT64_T; }
MPI_Datatype TypeOf(const double*) { return MPI_DOUBLE; }

}  // namespace

void MarkRequestsAbandoned() { requests_abandoned.store(true, std::memory_order_release); }
bool RequestsAbandoned() { return requests_abandoned.load(std::memory_order_acquire); }

struct Communicator::Requests {
  MPI_Request r[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  int n = 0;
  MPI_Request* next() { return &r[n++]; }
};

absl::Status RankLoss::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

void RankLoss::Report(int rank, int ranks, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  if (happened_.load(std::memory_order_relaxed)) return;
  status_ = absl::UnavailableError(absl::StrCat("rank ", rank, " of ", ranks,
                                                " stopped answering: ", std::string(reason)));
  happened_.store(true, std::memory_order_release);
}

absl::StatusOr<std::unique_ptr<MpiSession>> MpiSession::Start(int* argc,
                                                               char*** argv,
                                                               Threads threads) {
  const int wanted =
      threads == Threads::kSerialized ? MPI_THREAD_SERIALIZED : MPI_THREAD_FUNNELED;
  int provided = 0;
  const int code = MPI_Init_thread(argc, argv, wanted, &provided);
  if (code != MPI_SUCCESS) {
    return absl::InternalError(absl::StrCat("MPI_Init_thread: ", MpiReason(code)));
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  if (provided < wanted) {
    MPI_Finalize();
    return absl::FailedPreconditionError(absl::StrCat(
        "this MPI library does not support ",
        threads == Threads::kSerialized ? "MPI_THREAD_SERIALIZED" : "MPI_THREAD_FUNNELED"));
  }
  return std::unique_ptr<MpiSession>(new MpiSession());
}

MpiSession::~MpiSession() {
  if (!RequestsAbandoned()) MPI_Finalize();
}

void AbortJob(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

Communicator Communicator::World() {
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return Communicator(rank, size);
}

Communicator Communicator::Watched(std::shared_ptr<const RankLoss> loss) const {
  Communicator watched = *this;
  watched.loss_ = std::move(loss);
  return watched;
}

absl::Status Communicator::Lost() const {
  if (loss_ != nullptr && loss_->happened()) return loss_->status();
  return absl::OkStatus();
}

absl::Status Communicator::Call(std::string_view name, absl::FunctionRef<int()> blocking,
                                absl::FunctionRef<int(Requests&)> start) const {
  if (loss_ == nullptr) return Check(blocking(), name);
  if (absl::Status lost = Lost(); !lost.ok()) return lost;
  Requests requests;
  {
    MpiTurn turn;
    if (absl::Status s = Check(start(requests), name); !s.ok()) {
      // The call that failed took the last request; one posted before it
      // may still complete into a buffer about to be freed, so this
      // process makes no more MPI calls but MPI_Abort.
      if (requests.n > 1) MarkRequestsAbandoned();
      return s;
    }
  }
  while (true) {
    int done = 0;
    {
      MpiTurn turn;
      if (absl::Status s = Check(MPI_Testall(requests.n, requests.r, &done,
                                             MPI_STATUSES_IGNORE),
                                 name);
          !s.ok()) {
        return s;
      }
    }
    if (done) return absl::OkStatus();
    if (absl::Status lost = Lost(); !lost.ok()) {
      MarkRequestsAbandoned();
      return lost;
    }
    MpiTurn::GiveWay();
  }
}

absl::Status Communicator::Check(int code, std::string_view call) const {
  if (code == MPI_SUCCESS) return absl::OkStatus();
  return absl::InternalError(absl::StrCat(
      std::string(call), " failed on rank ", rank_, ": ", MpiReason(code)));
}

absl::Status Communicator::ShareSizes(const std::vector<std::string>& out,
                                      std::vector<uint64_t>* sizes) const {
  std::vector<uint64_t> mine(size_);
  for (int r = 0; r < size_; ++r) mine[r] = out[r].size();
  sizes->assign(size_, 0);
  return Call(
      "MPI_Alltoall",
      [&] {
        return MPI_Alltoall(mine.data(), 1, MPI_UINT64_T, sizes->data(), 1, MPI_UINT64_T,
                            MPI_COMM_WORLD);
      },
      [&](Requests& r) {
        return MPI_Ialltoall(mine.data(), 1, MPI_UINT64_T, sizes->data(), 1, MPI_UINT64_T,
                             MPI_COMM_WORLD, r.next());
      });
}

absl::Status Communicator::AllToAll(const std::vector<std::string>& out,
                                    std::vector<std::string>* in,
                                    uint64_t most_in_one_call) const {
  std::vector<uint64_t> recv_sizes;
  if (absl::Status s = ShareSizes(out, &recv_sizes); !s.ok()) return s;
  // MPI_Alltoallv's counts and offsets are ints. When any rank's side would
  // pass `most_in_one_call`, every rank goes pairwise (Exchange has no
  // limit), so no rank fails alone and leaves the others waiting.
  uint64_t sending = 0, receiving = 0;
  for (int r = 0; r < size_; ++r) {
    sending += out[r].size();
    receiving += recv_sizes[r];
  }
  const uint64_t call_limit = std::min<uint64_t>(most_in_one_call, INT_MAX);
  std::vector<uint64_t> too_large = {sending > call_limit || receiving > call_limit};
  if (absl::Status s = MaxAll(std::span<uint64_t>(too_large)); !s.ok()) return s;
  if (too_large[0] != 0) return Exchange(out, in);
  std::vector<int> send_counts(size_), send_offsets(size_), recv_counts(size_);
  std::string send;
  send.reserve(sending);
  for (int r = 0; r < size_; ++r) {
    send_counts[r] = static_cast<int>(out[r].size());
    send_offsets[r] = static_cast<int>(send.size());
    recv_counts[r] = static_cast<int>(recv_sizes[r]);
    if (r != rank_) *bytes_sent_ += out[r].size();
    send += out[r];
  }
  std::vector<int> recv_offsets(size_);
  for (int r = 1; r < size_; ++r) recv_offsets[r] = recv_offsets[r - 1] + recv_counts[r - 1];
  std::string recv(receiving, '\0');
  if (absl::Status s = Call(
          "MPI_Alltoallv",
          [&] {
            return MPI_Alltoallv(send.data(), send_counts.data(), send_offsets.data(),
                                 MPI_BYTE, recv.data(), recv_counts.data(),
                                 recv_offsets.data(), MPI_BYTE, MPI_COMM_WORLD);
          },
          [&](Requests& r) {
            return MPI_Ialltoallv(send.data(), send_counts.data(), send_offsets.data(),
                                  MPI_BYTE, recv.data(), recv_counts.data(),
                                  recv_offsets.data(), MPI_BYTE, MPI_COMM_WORLD,
                                  r.next());
          });
      !s.ok()) {
    return s;
  }
  in->assign(size_, std::string());
  for (int r = 0; r < size_; ++r) {
    (*in)[r] = recv.substr(recv_offsets[r], recv_counts[r]);
  }
  return absl::OkStatus();
}

absl::Status Communicator::Exchange(std::vector<std::string> out,
                                    std::vector<std::string>* in, uint64_t piece) const {
  constexpr int kExchangeTag = 7002;
  const uint64_t kPiece = std::clamp<uint64_t>(piece, 1, uint64_t{1} << 30);
  std::vector<uint64_t> recv_sizes;
  if (absl::Status s = ShareSizes(out, &recv_sizes); !s.ok()) return s;
  in->assign(size_, std::string());
  (*in)[rank_] = std::move(out[rank_]);
  // Step k: send to rank + k, receive from rank - k, a piece at a time; a
  // side with no piece left sends to (or receives from) no one.
  auto pieces = [&](uint64_t bytes) { return (bytes + kPiece - 1) / kPiece; };
  for (int k = 1; k < size_; ++k) {
    const int to = (rank_ + k) % size_;
    const int from = (rank_ + size_ - k) % size_;
    const std::string& sending = out[to];
    std::string& receiving = (*in)[from];
    receiving.resize(recv_sizes[from]);
    const uint64_t steps = std::max(pieces(sending.size()), pieces(receiving.size()));
    for (uint64_t i = 0; i < steps; ++i) {
      const uint64_t at = i * kPiece;
      const bool sends = at < sending.size();
      const bool receives = at < receiving.size();
      if (absl::Status s = SendReceive(
              sends ? sending.data() + at : nullptr,
              sends ? static_cast<int>(std::min(kPiece, sending.size() - at)) : 0,
              receives ? receiving.data() + at : nullptr,
              receives ? static_cast<int>(std::min(kPiece, receiving.size() - at)) : 0,
              sends ? to : MPI_PROC_NULL, receives ? from : MPI_PROC_NULL, kExchangeTag);
          !s.ok()) {
        return s;
      }
    }
    *bytes_sent_ += sending.size();
    out[to] = std::string();
  }
  return absl::OkStatus();
}

absl::Status Communicator::AllGather(std::string_view mine, std::string* all,
                                     std::vector<size_t>* offsets) const {
  return AllGatherInto({mine.data(), mine.size()},
                       [&](uint64_t total) {
                         all->resize(total);
                         return all->data();
                       },
                       offsets);
}

absl::Status Communicator::AllGatherInto(std::span<const char> mine,
                                         absl::FunctionRef<char*(uint64_t total)> receive,
                                         std::vector<size_t>* offsets, uint64_t piece) const {
  const uint64_t kPiece = std::clamp<uint64_t>(piece, 1, uint64_t{1} << 30);
  uint64_t size = mine.size();
  std::vector<uint64_t> sizes(size_);
  if (absl::Status s = Call(
          "MPI_Allgather",
          [&] {
            return MPI_Allgather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T,
                                 MPI_COMM_WORLD);
          },
          [&](Requests& r) {
            return MPI_Iallgather(&size, 1, MPI_UINT64_T, sizes.data(), 1, MPI_UINT64_T,
                                  MPI_COMM_WORLD, r.next());
          });
      !s.ok()) {
    return s;
  }
  offsets->assign(size_ + 1, 0);
  for (int r = 0; r < size_; ++r) (*offsets)[r + 1] = (*offsets)[r] + sizes[r];
  char* all = receive(offsets->back());
  if (offsets->back() > kPiece) return RingGather(all, mine, sizes, *offsets, kPiece);
  std::vector<int> counts(size_), displacements(size_);
  for (int r = 0; r < size_; ++r) {
    counts[r] = static_cast<int>(sizes[r]);
    displacements[r] = static_cast<int>((*offsets)[r]);
  }
  *bytes_sent_ += mine.size() * (size_ - 1);
  return Call(
      "MPI_Allgatherv",
      [&] {
        return MPI_Allgatherv(mine.data(), counts[rank_], MPI_BYTE, all, counts.data(),
                              displacements.data(), MPI_BYTE, MPI_COMM_WORLD);
      },
      [&](Requests& r) {
        return MPI_Iallgatherv(mine.data(), counts[rank_], MPI_BYTE, all, counts.data(),
                               displacements.data(), MPI_BYTE, MPI_COMM_WORLD, r.next());
      });
}

absl::Status Communicator::RingGather(char* all, std::span<const char> mine,
                                      const std::vector<uint64_t>& sizes,
                                      const std::vector<size_t>& offsets,
                                      uint64_t piece) const {
  constexpr int kRingGatherTag = 7003;
  if (!mine.empty()) std::memcpy(all + offsets[rank_], mine.data(), mine.size());
  const int next = (rank_ + 1) % size_;
  const int prev = (rank_ + size_ - 1) % size_;
  auto pieces = [&](uint64_t bytes) { return (bytes + piece - 1) / piece; };
  // Step s: pass on rank (r - s)'s part, which arrived at the step before
  // (our own at step 0), and take rank (r - s - 1)'s from the previous rank.
  for (int s = 0; s + 1 < size_; ++s) {
    const int passing = (rank_ - s + size_) % size_;
    const int arriving = (rank_ - s - 1 + 2 * size_) % size_;
    const char* send = all + offsets[passing];
    char* recv = all + offsets[arriving];
    const uint64_t send_size = sizes[passing];
    const uint64_t recv_size = sizes[arriving];
    const uint64_t steps = std::max(pieces(send_size), pieces(recv_size));
    for (uint64_t i = 0; i < steps; ++i) {
      const uint64_t at = i * piece;
      const bool sends = at < send_size;
      const bool receives = at < recv_size;
      if (absl::Status st = SendReceive(
              sends ? send + at : nullptr,
              sends ? static_cast<int>(std::min(piece, send_size - at)) : 0,
              receives ? recv + at : nullptr,
              receives ? static_cast<int>(std::min(piece, recv_size - at)) : 0,
              sends ? next : MPI_PROC_NULL, receives ? prev : MPI_PROC_NULL,
              kRingGatherTag);
          !st.ok()) {
        return st;
      }
    }
    *bytes_sent_ += send_size;
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status Communicator::ReduceInPlace(std::span<T> values, bool maximum) const {
  const MPI_Datatype type = TypeOf(values.data());
  const MPI_Op op = maximum ? MPI_MAX : MPI_SUM;
  const int count = static_cast<int>(values.size());
  return Call(
      "MPI_Allreduce",
      [&] {
        return MPI_Allreduce(MPI_IN_PLACE, values.data(), count, type, op, MPI_COMM_WORLD);
      },
      [&](Requests& r) {
        return MPI_Iallreduce(MPI_IN_PLACE, values.data(), count, type, op, MPI_COMM_WORLD,
                              r.next());
      });
}

absl::Status Communicator::SumAll(std::span<uint64_t> values) const {
  return ReduceInPlace(values, /*maximum=*/false);
}

absl::Status Communicator::SumAll(std::span<double> values) const {
  return ReduceInPlace(values, /*maximum=*/false);
}

absl::Status Communicator::MaxAll(std::span<uint64_t> values) const {
  // MPICH 4.0's MPI_MAX takes MPI_UINT64_T for signed: the maximum of 2^63
  // and 0 came out 0. Flipping the top bit maps unsigned order onto signed
  // order, whose maximum every MPI gets right.
  // (In place: a signed and an unsigned type may alias.)
  constexpr uint64_t kTop = uint64_t{1} << 63;
  for (uint64_t& value : values) value ^= kTop;
  const absl::Status reduced = ReduceInPlace(
      std::span<int64_t>(reinterpret_cast<int64_t*>(values.data()), values.size()),
      /*maximum=*/true);
  for (uint64_t& value : values) value ^= kTop;
  return reduced;
}

absl::Status Communicator::DeterministicSum(std::span<double> values) const {
  const size_t n = values.size();
  auto slice_begin = [&](int r) { return n * r / size_; };
  // Everyone's piece of slice r goes to rank r.
  std::vector<std::string> out(size_);
  for (int r = 0; r < size_; ++r) {
    out[r].assign(reinterpret_cast<const char*>(values.data() + slice_begin(r)),
                  (slice_begin(r + 1) - slice_begin(r)) * sizeof(double));
  }
  std::vector<std::string> in;
  if (absl::Status s = AllToAll(out, &in); !s.ok()) return s;
  // Rank order: the same sum on every run.
  std::vector<double> mine(slice_begin(rank_ + 1) - slice_begin(rank_), 0.0);
  for (int r = 0; r < size_; ++r) {
    const std::vector<double> part = ReadPods<double>(in[r]);
    for (size_t i = 0; i < mine.size(); ++i) mine[i] += part[i];
  }
  std::vector<int> counts(size_), offsets(size_);
  for (int r = 0; r < size_; ++r) {
    counts[r] = static_cast<int>(slice_begin(r + 1) - slice_begin(r));
    offsets[r] = static_cast<int>(slice_begin(r));
  }
  *bytes_sent_ += mine.size() * sizeof(double) * (size_ - 1);
  return Call(
      "MPI_Allgatherv",
      [&] {
        return MPI_Allgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE,
                              values.data(), counts.data(), offsets.data(), MPI_DOUBLE,
                              MPI_COMM_WORLD);
      },
      [&](Requests& r) {
        return MPI_Iallgatherv(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE,
                               values.data(), counts.data(), offsets.data(), MPI_DOUBLE,
                               MPI_COMM_WORLD, r.next());
      });
}

absl::Status Communicator::Broadcast(std::string* bytes, int root) const {
  uint64_t size = bytes->size();
  if (absl::Status s = Call(
          "MPI_Bcast", [&] { return MPI_Bcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD); },
          [&](Requests& r) {
            return MPI_Ibcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD, r.next());
          });
      !s.ok()) {
    return s;
  }
  return BroadcastBody(bytes, size, root);
}

absl::StatusOr<uint64_t> Communicator::ShiftInPlace(char* buffer, uint64_t capacity,
                                                     uint64_t size, int to, int from,
                                                     uint64_t piece) const {
  constexpr int kShiftTag = 7001;
  uint64_t incoming = 0;
  if (absl::Status s = SendReceive(&size, 8, &incoming, 8, to, from, kShiftTag); !s.ok()) {
    return s;
  }
  // The same number of pieces on every rank, so each send has its receive.
  std::vector<uint64_t> agreed = {std::max(size, incoming), incoming > capacity ? 1u : 0u};
  if (absl::Status s = MaxAll(std::span<uint64_t>(agreed)); !s.ok()) return s;
  if (agreed[1] != 0) {
    return absl::InternalError(absl::StrCat(
        "a shifted buffer outgrew its room (rank ", rank_, ": ", incoming,
        " bytes arriving, room for ", capacity, ")"));
  }
  piece = std::clamp<uint64_t>(piece, 1, INT_MAX);
  std::vector<char> arriving(std::min(piece, incoming));
  for (uint64_t at = 0; at < agreed[0]; at += piece) {
    const uint64_t send = size > at ? std::min(piece, size - at) : 0;
    const uint64_t recv = incoming > at ? std::min(piece, incoming - at) : 0;
    if (absl::Status s = SendReceive(buffer + std::min(at, size), static_cast<int>(send),
                                     arriving.data(), static_cast<int>(recv), to, from,
                                     kShiftTag);
        !s.ok()) {
      return s;
    }
    // Our bytes here have left; the rest of ours lie beyond `at + recv`
    // unless we have no more to send.
    if (recv > 0) std::memcpy(buffer + at, arriving.data(), recv);
  }
  if (to != rank_) *bytes_sent_ += size;
  return incoming;
}

absl::Status Communicator::BroadcastPatiently(std::string* bytes, int root) const {
  if (absl::Status lost = Lost(); !lost.ok()) return lost;
  uint64_t size = bytes->size();
  MPI_Request request;
  int code = MPI_SUCCESS;
  {
    MpiTurn turn;
    code = MPI_Ibcast(&size, 1, MPI_UINT64_T, root, MPI_COMM_WORLD, &request);
  }
  if (absl::Status s = Check(code, "MPI_Ibcast"); !s.ok()) return s;
  while (true) {
    int done = 0;
    {
      MpiTurn turn;
      code = MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    }
    if (absl::Status s = Check(code, "MPI_Test"); !s.ok()) return s;
    if (done) break;
    if (absl::Status lost = Lost(); !lost.ok()) {
      MarkRequestsAbandoned();
      return lost;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return BroadcastBody(bytes, size, root);
}

absl::Status Communicator::Send(int to, int tag, std::string_view bytes) const {
  *bytes_sent_ += bytes.size();
  return Call(
      "MPI_Send",
      [&] {
        return MPI_Send(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag,
                        MPI_COMM_WORLD);
      },
      [&](Requests& r) {
        return MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, to, tag,
                         MPI_COMM_WORLD, r.next());
      });
}

absl::StatusOr<std::string> Communicator::Receive(int from, int tag) const {
  MPI_Status status;
  if (loss_ == nullptr) {
    if (absl::Status s = Check(MPI_Probe(from, tag, MPI_COMM_WORLD, &status), "MPI_Probe");
        !s.ok()) {
      return s;
    }
  } else {
    for (int found = 0; !found;) {
      if (absl::Status lost = Lost(); !lost.ok()) return lost;
      {
        MpiTurn turn;
        const int code = MPI_Iprobe(from, tag, MPI_COMM_WORLD, &found, &status);
        if (absl::Status s = Check(code, "MPI_Iprobe"); !s.ok()) return s;
      }
      MpiTurn::GiveWay();
    }
  }
  int count = 0;
  {
    MpiTurn turn;  // a watch's thread may be in MPI
    MPI_Get_count(&status, MPI_BYTE, &count);
  }
  std::string bytes(count, '\0');
  if (absl::Status s = Call(
          "MPI_Recv",
          [&] {
            return MPI_Recv(bytes.data(), count, MPI_BYTE, from, tag, MPI_COMM_WORLD,
                            MPI_STATUS_IGNORE);
          },
          [&](Requests& r) {
            return MPI_Irecv(bytes.data(), count, MPI_BYTE, from, tag, MPI_COMM_WORLD,
                             r.next());
          });
      !s.ok()) {
    return s;
  }
  return bytes;
}

absl::Status Communicator::Barrier() const {
  return Call(
      "MPI_Barrier", [&] { return MPI_Barrier(MPI_COMM_WORLD); },
      [&](Requests& r) { return MPI_Ibarrier(MPI_COMM_WORLD, r.next()); });
}

absl::Status Communicator::BroadcastBody(std::string* bytes, uint64_t size,
                                         int root) const {
  bytes->resize(size);
  if (rank_ == root) *bytes_sent_ += size * (size_ - 1);
  // MPI's counts are ints: a body goes in pieces of at most 1 GiB.
  constexpr uint64_t kPiece = uint64_t{1} << 30;
  for (uint64_t at = 0; at < size; at += kPiece) {
    char* data = bytes->data() + at;
    const int count = static_cast<int>(std::min(kPiece, size - at));
    if (absl::Status s = Call(
            "MPI_Bcast",
            [&] { return MPI_Bcast(data, count, MPI_BYTE, root, MPI_COMM_WORLD); },
            [&](Requests& r) {
              return MPI_Ibcast(data, count, MPI_BYTE, root, MPI_COMM_WORLD, r.next());
            });
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Communicator::SendReceive(const void* send, int send_bytes, void* receive,
                                       int receive_bytes, int to, int from,
                                       int tag) const {
  return Call(
      "MPI_Sendrecv",
      [&] {
        return MPI_Sendrecv(send, send_bytes, MPI_BYTE, to, tag, receive, receive_bytes,
                            MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      },
      [&](Requests& r) {
        const int code =
            MPI_Irecv(receive, receive_bytes, MPI_BYTE, from, tag, MPI_COMM_WORLD, r.next());
        if (code != MPI_SUCCESS) return code;
        return MPI_Isend(send, send_bytes, MPI_BYTE, to, tag, MPI_COMM_WORLD, r.next());
      });
}

absl::Status AgreeOnStatus(const Communicator& comm, const absl::Status& mine,
                           std::string_view what) {
  std::vector<uint64_t> failed(comm.size(), 0);
  failed[comm.rank()] = mine.ok() ? 0 : 1;
  if (absl::Status s = comm.SumAll(std::span<uint64_t>(failed)); !s.ok()) return s;
  for (int r = 0; r < comm.size(); ++r) {
    if (failed[r] == 0) continue;
    if (r == comm.rank()) return mine;
    return absl::AbortedError(absl::StrCat("rank ", r, " failed: ", std::string(what)));
  }
  return absl::OkStatus();
}

}  // namespace n2v::distributed
