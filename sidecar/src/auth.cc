// TokenSet and AuthGate.
#include "auth.h"

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "log.h"

namespace n2v::sidecar {
namespace {

constexpr std::string_view kBearer = "Bearer ";

// The value of a metadata key, or "" when absent.
std::string Metadata(const grpc::ServerContext& context, const char* key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(key);
  return it == metadata.end() ? std::string()
                              : std::string(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<TokenSet> TokenSet::FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token-file: cannot read '", path, "'"));
  }
  TokenSet set;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    const std::string text(absl::StripAsciiWhitespace(line));
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> fields =
        absl::StrSplit(text, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const bool trusted = fields.size() == 3 && fields[2] == "trusted";
    if (fields.size() > 3 || (fields.size() == 3 && !trusted)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--token-file: ", path, ":", number,
          ": expected '<token> [<name> [trusted]]'"));
    }
    set.Add(fields[0], {fields.size() > 1 ? fields[1] : "default", trusted});
  }
  if (!set.enabled()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--token-file: '", path, "' holds no token"));
  }
  return set;
}

TokenSet TokenSet::FromTokens(const std::vector<std::string>& tokens) {
  TokenSet set;
  for (const auto& t : tokens) set.Add(t, {"default", false});
  return set;
}

void TokenSet::Add(std::string token, Identity identity) {
  tokens_[std::move(token)] = std::move(identity);
}

const TokenSet::Identity* TokenSet::Find(std::string_view authorization) const {
  if (authorization.substr(0, kBearer.size()) != kBearer) return nullptr;
  std::string_view token = authorization.substr(kBearer.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  auto it = tokens_.find(std::string(token));
  return it == tokens_.end() ? nullptr : &it->second;
}

absl::StatusOr<Caller> AuthGate::Admit(
    const grpc::ServerContext& context) const {
  const std::string peer = context.peer();
  const std::string user = Metadata(context, kUserMetadata);
  const std::string database = Metadata(context, kDatabaseMetadata);
  const bool admin = Metadata(context, kAdminMetadata) == "true";
  if (!tokens_.enabled()) {
    return Caller(peer, Owner{database, user}, admin);
  }
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  const TokenSet::Identity* identity =
      it == metadata.end()
          ? nullptr
          : tokens_.Find(std::string_view(it->second.data(), it->second.size()));
  if (identity == nullptr) {
    Log(LogLevel::kWarning, "unauthenticated", {{"peer", peer}});
    return absl::UnauthenticatedError(
        it == metadata.end()
            ? "missing bearer token: send metadata 'authorization: Bearer <token>'"
            : "invalid bearer token");
  }
  const bool acts_for_someone = !user.empty() || !database.empty() || admin;
  if (!acts_for_someone) return Caller(peer, Owner{"", identity->name}, false);
  if (!identity->trusted) {
    Log(LogLevel::kWarning, "permission_denied",
        {{"peer", peer}, {"token_name", identity->name}});
    return absl::PermissionDeniedError(absl::StrCat(
        "token '", identity->name,
        "' may not act for other users: n2v-user, n2v-database and n2v-admin "
        "need a token marked trusted in the server's token file"));
  }
  return Caller(peer, Owner{database, user}, admin);
}

}  // namespace n2v::sidecar
