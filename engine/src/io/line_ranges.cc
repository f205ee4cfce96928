// Line-aligned ranges: a scan for the next newline, and a newline count.
#include "io/line_ranges.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace n2v::io::internal {

absl::StatusOr<uint64_t> LineStartAtOrAfter(std::FILE* file, uint64_t pos,
                                            uint64_t size) {
  if (pos == 0) return 0;
  if (fseeko(file, static_cast<off_t>(pos - 1), SEEK_SET) != 0) {
    return absl::DataLossError(std::strerror(errno));
  }
  char buffer[1 << 16];
  uint64_t at = pos - 1;
  while (at < size) {
    const size_t got = std::fread(buffer, 1, sizeof(buffer), file);
    if (got == 0) break;
    if (const void* nl = std::memchr(buffer, '\n', got)) {
      return at + (static_cast<const char*>(nl) - buffer) + 1;
    }
    at += got;
  }
  return size;
}

// Newlines in the first `end` bytes of the file.
uint64_t CountLines(const std::string& path, uint64_t end) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return 0;
  char buffer[1 << 16];
  uint64_t lines = 0, read = 0;
  while (read < end) {
    const size_t got = std::fread(buffer, 1, std::min<uint64_t>(sizeof(buffer), end - read), file);
    if (got == 0) break;
    for (size_t i = 0; i < got; ++i) lines += buffer[i] == '\n';
    read += got;
  }
  std::fclose(file);
  return lines;
}

}  // namespace n2v::io::internal
