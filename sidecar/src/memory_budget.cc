// MemoryBudget and Reservation.
#include "memory_budget.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace n2v::sidecar {

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? absl::StrCat(bytes, " B")
                   : absl::StrFormat("%.1f %s", value, units[unit]);
}

absl::Status MemoryBudget::Take(uint64_t bytes, absl::string_view what) {
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes > limit_ - used_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "memory budget exceeded: ", what,
        " needs ", HumanBytes(bytes), " (", bytes, " bytes), ",
        HumanBytes(used_), " of ", HumanBytes(limit_), " are in use"));
  }
  used_ += bytes;
  return absl::OkStatus();
}

void MemoryBudget::Give(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  used_ -= bytes;
}

absl::StatusOr<Reservation> MemoryBudget::Reserve(uint64_t bytes,
                                                  absl::string_view what) {
  if (absl::Status s = Take(bytes, what); !s.ok()) return s;
  return Reservation(this, bytes);
}

uint64_t MemoryBudget::used() const {
  std::lock_guard<std::mutex> lock(mu_);
  return used_;
}

uint64_t MemoryBudget::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return limit_ - used_;
}

Reservation& Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

absl::Status Reservation::Resize(uint64_t bytes, absl::string_view what) {
  if (budget_ == nullptr) {
    return absl::FailedPreconditionError("resize of an empty reservation");
  }
  if (bytes > bytes_) {
    if (absl::Status s = budget_->Take(bytes - bytes_, what); !s.ok()) return s;
  } else {
    budget_->Give(bytes_ - bytes);
  }
  bytes_ = bytes;
  return absl::OkStatus();
}

void Reservation::Release() {
  if (budget_ != nullptr && bytes_ > 0) budget_->Give(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

}  // namespace n2v::sidecar
