// TokenSet and AuthGate.
#include "auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "log.h"

namespace n2v::sidecar {

absl::StatusOr<TokenSet> TokenSet::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token-file: cannot read '", path, "'"));
  }
  TokenSet set;
  std::string line;
  while (std::getline(in, line)) {
    const std::string token(absl::StripAsciiWhitespace(line));
    if (token.empty() || token[0] == '#') continue;
    set.tokens_.insert(token);
  }
  if (set.tokens_.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token-file: '", path, "' holds no token"));
  }
  return set;
}

TokenSet TokenSet::FromTokens(const std::vector<std::string>& tokens) {
  TokenSet set;
  for (const auto& t : tokens) set.tokens_.insert(t);
  return set;
}

bool TokenSet::Accepts(std::string_view authorization) const {
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.substr(0, kScheme.size()) != kScheme) return false;
  std::string_view token = authorization.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  return tokens_.contains(std::string(token));
}

absl::StatusOr<Caller> AuthGate::Admit(
    const grpc::ServerContext& context) const {
  Caller caller(context.peer());
  if (!tokens_.enabled()) return caller;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end() &&
      tokens_.Accepts(std::string_view(it->second.data(), it->second.size()))) {
    return caller;
  }
  Log(LogLevel::kWarning, "unauthenticated", {{"peer", caller.peer()}});
  return absl::UnauthenticatedError(
      it == metadata.end()
          ? "missing bearer token: send metadata 'authorization: Bearer <token>'"
          : "invalid bearer token");
}

}  // namespace n2v::sidecar
