// The range rules behind every option check, each with its one message
// shape "<name> must be <rule>, got <value>".
#ifndef N2V_INTERNAL_OPTION_RULES_H_
#define N2V_INTERNAL_OPTION_RULES_H_

#include <cmath>
#include <cstdint>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"

namespace n2v::internal {

template <typename Number>
absl::Status OutOfRange(std::string_view name, std::string_view rule,
                        Number value) {
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(name), " must be ", Sv(rule), ", got ", value));
}

inline absl::Status FiniteAbove0(std::string_view name, double value) {
  if (std::isfinite(value) && value > 0) return absl::OkStatus();
  return OutOfRange(name, "finite and > 0", value);
}

inline absl::Status FiniteAtLeast0(std::string_view name, double value) {
  if (std::isfinite(value) && value >= 0) return absl::OkStatus();
  return OutOfRange(name, "finite and >= 0", value);
}

inline absl::Status Finite(std::string_view name, double value) {
  if (std::isfinite(value)) return absl::OkStatus();
  return OutOfRange(name, "finite", value);
}

inline absl::Status Between(std::string_view name, double min, double max, double value) {
  if (value >= min && value <= max) return absl::OkStatus();
  return OutOfRange(name, absl::StrCat("between ", min, " and ", max), value);
}

inline absl::Status Between1And(std::string_view name, uint64_t max,
                                uint64_t value) {
  if (value >= 1 && value <= max) return absl::OkStatus();
  return OutOfRange(name, absl::StrCat("between 1 and ", max), value);
}

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_OPTION_RULES_H_
