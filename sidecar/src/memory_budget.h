// MemoryBudget: admission control for snapshots and jobs. Every graph and
// model is charged before it is built; a charge that does not fit is refused
// with RESOURCE_EXHAUSTED and the numbers, and nothing else is disturbed.
//
// Thread safety: all methods may be called concurrently.
#ifndef N2V_SIDECAR_MEMORY_BUDGET_H_
#define N2V_SIDECAR_MEMORY_BUDGET_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace n2v::sidecar {

class MemoryBudget;

// Bytes held against a budget, returned when the reservation is destroyed.
class Reservation {
 public:
  Reservation() = default;
  Reservation(Reservation&& other) noexcept { *this = std::move(other); }
  Reservation& operator=(Reservation&& other) noexcept;
  ~Reservation() { Release(); }

  uint64_t bytes() const { return bytes_; }
  // Grows or shrinks the reservation; growing may fail like Reserve.
  absl::Status Resize(uint64_t bytes, absl::string_view what);
  void Release();

 private:
  friend class MemoryBudget;
  Reservation(MemoryBudget* budget, uint64_t bytes)
      : budget_(budget), bytes_(bytes) {}
  MemoryBudget* budget_ = nullptr;
  uint64_t bytes_ = 0;
};

class MemoryBudget {
 public:
  explicit MemoryBudget(uint64_t limit_bytes) : limit_(limit_bytes) {}

  // ResourceExhausted "memory budget exceeded: <what> needs N bytes, U of L
  // bytes are in use" when it does not fit.
  absl::StatusOr<Reservation> Reserve(uint64_t bytes, absl::string_view what);

  uint64_t limit() const { return limit_; }
  uint64_t used() const;
  uint64_t available() const;

 private:
  friend class Reservation;
  absl::Status Take(uint64_t bytes, absl::string_view what);
  void Give(uint64_t bytes);

  const uint64_t limit_;
  mutable std::mutex mu_;
  uint64_t used_ = 0;
};

// "1.5 GiB"-style rendering for messages and logs.
std::string HumanBytes(uint64_t bytes);

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_MEMORY_BUDGET_H_
