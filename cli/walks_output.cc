// Walk lines.
#include "walks_output.h"

#include <charconv>

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

}  // namespace n2v::cli
