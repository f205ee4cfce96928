// Authentication and identity: bearer tokens, and the one gate every n2v.v1
// call passes.
//
// Tokens come from a file, one per line: "<token> [<name> [trusted]]"
// (blank lines and '#' comments ignored; a token without a name is named
// "default"). A call is admitted when its "authorization" metadata is
// "Bearer <token>" for one of them, and acts as the token's name. A trusted
// token (the Neo4j plugin's) may instead act for a user it names in the
// metadata n2v-user and n2v-database, as an admin with n2v-admin: true;
// another token that tries is refused (PERMISSION_DENIED). With no tokens
// configured every call is admitted, and the metadata is taken as given.
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

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "owner.h"

namespace n2v::sidecar {

// The metadata keys a trusted token names its user with.
inline constexpr char kUserMetadata[] = "n2v-user";
inline constexpr char kDatabaseMetadata[] = "n2v-database";
inline constexpr char kAdminMetadata[] = "n2v-admin";

class TokenSet {
 public:
  struct Identity {
    std::string name;
    bool trusted = false;
  };

  TokenSet() = default;
  // InvalidArgument naming the line when the file cannot be read, holds no
  // token, or a line is malformed (never quoting the token).
  static absl::StatusOr<TokenSet> FromFile(const std::string& path);
  static TokenSet FromTokens(const std::vector<std::string>& tokens);
  // Adds a token; for tests and FromFile.
  void Add(std::string token, Identity identity);

  bool enabled() const { return !tokens_.empty(); }
  // The identity an "authorization" metadata value grants, if any.
  const Identity* Find(std::string_view authorization) const;

 private:
  absl::flat_hash_map<std::string, Identity> tokens_;
};

class AuthGate {
 public:
  explicit AuthGate(TokenSet tokens) : tokens_(std::move(tokens)) {}

  // The caller of the call: UNAUTHENTICATED (logged, without the token)
  // when tokens are configured and the call carries none that is valid;
  // PERMISSION_DENIED when an untrusted token names a user to act for.
  absl::StatusOr<Caller> Admit(const grpc::ServerContext& context) const;

  bool enabled() const { return tokens_.enabled(); }

  // A caller for code running inside the server process, never for an RPC
  // (which gets its caller from Admit): in-process tests of the job manager.
  static Caller InProcess(Owner owner, bool admin = false) {
    return Caller("in-process", std::move(owner), admin);
  }

 private:
  TokenSet tokens_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_AUTH_H_
