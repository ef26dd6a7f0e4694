// Early-return helpers for absl::Status / absl::StatusOr<T>, used by every fallible function.
#ifndef NITRO_GRAPH_STATUS_MACROS_H_
#define NITRO_GRAPH_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define NITRO_CONCAT_INNER_(a, b) a##b
#define NITRO_CONCAT_(a, b) NITRO_CONCAT_INNER_(a, b)

// Returns from the current function if `expr` (an absl::Status) is not OK.
#define RETURN_IF_ERROR(expr)                      \
  do {                                             \
    ::absl::Status nitro_status_ = (expr);         \
    if (!nitro_status_.ok()) return nitro_status_; \
  } while (0)

// `ASSIGN_OR_RETURN(auto x, MaybeX());` declares x from an absl::StatusOr or returns its error.
#define ASSIGN_OR_RETURN(lhs, expr) NITRO_ASSIGN_OR_RETURN_IMPL_(NITRO_CONCAT_(nitro_statusor_, __LINE__), lhs, expr)
#define NITRO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()

#endif  // NITRO_GRAPH_STATUS_MACROS_H_
