// Debian's Abseil is built with its own absl::string_view, which does not
// convert from std::string_view; Sv() bridges the two for StrCat and friends.
#ifndef N2V_INTERNAL_STRING_VIEW_COMPAT_H_
#define N2V_INTERNAL_STRING_VIEW_COMPAT_H_

#include <string_view>

#include "absl/strings/string_view.h"

namespace n2v::internal {

inline absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }

}  // namespace n2v::internal

#endif  // N2V_INTERNAL_STRING_VIEW_COMPAT_H_
