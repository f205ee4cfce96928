// Walk lines.
#include "walks_output.h"

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace n2v::cli {

void AppendWalkLines(const WalkBlock& block, std::string& out) {
  char buf[24];
  size_t at = 0;
  for (uint32_t length : block.lengths) {
    for (uint32_t i = 0; i < length; ++i) {
      if (i > 0) out.push_back(' ');
      const auto end = std::to_chars(buf, buf + sizeof(buf), block.nodes[at + i]).ptr;
      out.append(buf, end);
    }
    out.push_back('\n');
    at += length;
  }
}

absl::Status WriteAll(std::FILE* file, const std::string& text,
                      const std::string& path) {
  if (std::fwrite(text.data(), 1, text.size(), file) == text.size()) {
    return absl::OkStatus();
  }
  return absl::InternalError(
      absl::StrCat("cannot write '", path, "': ", std::strerror(errno)));
}

}  // namespace n2v::cli
