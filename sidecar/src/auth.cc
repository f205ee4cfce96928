// TokenSet: loading and checking bearer tokens.
#include "auth.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

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

}  // namespace n2v::sidecar
