// A cancel across ranks: a flag raised on any rank (the sidecar raises
// rank 0's) is heard by every rank at the same collective, so they all
// stop there together. A rank may stop its own local work early as soon
// as it sees its flag; only the collective decides for all.
#ifndef N2V_DISTRIBUTED_CANCEL_CHECK_H_
#define N2V_DISTRIBUTED_CANCEL_CHECK_H_

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "n2v/distributed/communicator.h"
#include "n2v/status_macros.h"

namespace n2v::distributed {

// Whether this rank's flag is up (never, without one).
inline bool Raised(const std::atomic<bool>* cancel) {
  return cancel != nullptr && cancel->load(std::memory_order_relaxed);
}

// What every rank returns once a cancel is heard.
inline absl::Status CancelledStatus() { return absl::CancelledError("embedding cancelled"); }

// Collective (every rank calls it, with a flag or without): Cancelled on
// every rank when any rank's flag is up.
inline absl::Status CheckCancelled(const Communicator& comm,
                                   const std::atomic<bool>* cancel) {
  std::vector<uint64_t> raised = {Raised(cancel) ? 1u : 0u};
  N2V_RETURN_IF_ERROR(comm.MaxAll(std::span<uint64_t>(raised)));
  return raised[0] != 0 ? CancelledStatus() : absl::OkStatus();
}

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_CANCEL_CHECK_H_
