// Bearer-token authentication. Tokens come from a file (one per line, blank
// lines and '#' comments ignored); a call is authorised when its
// "authorization" metadata is "Bearer <token>" for one of them. With no
// tokens configured every call is authorised.
//
// The service checks the token at the start of every n2v.v1 handler. gRPC
// C++ offers no hook that can reject calls on a plaintext port (its
// AuthMetadataProcessor runs only with TLS credentials, and server
// interceptors cannot fail a call), so the health service and server
// reflection (which only describes the public API) answer without a token.
//
// Thread safety: immutable after construction.
#ifndef N2V_SIDECAR_AUTH_H_
#define N2V_SIDECAR_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace n2v::sidecar {

class TokenSet {
 public:
  TokenSet() = default;
  // InvalidArgument when the file cannot be read or holds no token.
  static absl::StatusOr<TokenSet> FromFile(const std::string& path);
  static TokenSet FromTokens(const std::vector<std::string>& tokens);

  bool enabled() const { return !tokens_.empty(); }
  // Whether an "authorization" metadata value grants access.
  bool Accepts(std::string_view authorization) const;

 private:
  absl::flat_hash_set<std::string> tokens_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_AUTH_H_
