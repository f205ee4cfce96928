// Early-return helpers for absl::Status and absl::StatusOr.
#ifndef N2V_STATUS_MACROS_H_
#define N2V_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define N2V_CONCAT_INNER_(a, b) a##b
#define N2V_CONCAT_(a, b) N2V_CONCAT_INNER_(a, b)

// Returns from the current function when `expr` is not OK.
#define N2V_RETURN_IF_ERROR(expr)                \
  do {                                           \
    const ::absl::Status n2v_status_ = (expr);   \
    if (!n2v_status_.ok()) return n2v_status_;   \
  } while (false)

// `lhs = value of expr`, or returns its status when it is an error.
#define N2V_ASSIGN_OR_RETURN(lhs, expr) \
  N2V_ASSIGN_OR_RETURN_IMPL_(N2V_CONCAT_(n2v_statusor_, __LINE__), lhs, expr)

#define N2V_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return statusor.status();         \
  lhs = std::move(statusor).value()

#endif  // N2V_STATUS_MACROS_H_
