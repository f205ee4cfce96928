// Authentication: bearer tokens and the one gate every n2v.v1 call passes.
//
// Tokens come from a file (one per line, blank lines and '#' comments
// ignored); a call is admitted when its "authorization" metadata is
// "Bearer <token>" for one of them. With no tokens configured every call is
// admitted.
//
// The gate is structural: the handlers (handlers.h) take a Caller, and only
// AuthGate::Admit makes one, so a handler cannot run for a call the gate did
// not admit. gRPC C++ offers no hook that can reject calls on a plaintext
// port (its AuthMetadataProcessor runs only with TLS credentials, and server
// interceptors cannot fail a call), so the health service and server
// reflection (which only describes the public API) answer without a token.
//
// Thread safety: immutable after construction.
#ifndef N2V_SIDECAR_AUTH_H_
#define N2V_SIDECAR_AUTH_H_

#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server_context.h>

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

// Who a call comes from, as the gate established it.
class Caller {
 public:
  const std::string& peer() const { return peer_; }

 private:
  friend class AuthGate;
  explicit Caller(std::string peer) : peer_(std::move(peer)) {}
  std::string peer_;
};

class AuthGate {
 public:
  explicit AuthGate(TokenSet tokens) : tokens_(std::move(tokens)) {}

  // The caller of the call, or UNAUTHENTICATED (logged, without the token)
  // when tokens are configured and the call carries none that is valid.
  absl::StatusOr<Caller> Admit(const grpc::ServerContext& context) const;

  bool enabled() const { return tokens_.enabled(); }

 private:
  TokenSet tokens_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_AUTH_H_
