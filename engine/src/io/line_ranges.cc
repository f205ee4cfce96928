// Line-aligned ranges: a scan for the next newline, a newline count, and
// line-aligned blocks of a file read through zlib.
#include "io/line_ranges.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <zlib.h>

#include "absl/strings/str_cat.h"
#include "io/gzip_read.h"
#include "io/text_lines.h"
#include "n2v/status_macros.h"

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

absl::StatusOr<uint64_t> FirstDataLineAt(std::FILE* file, uint64_t size) {
  if (fseeko(file, 0, SEEK_SET) != 0) return absl::DataLossError(std::strerror(errno));
  std::string pending;  // the lines read, from `start`
  uint64_t start = 0;
  char buffer[1 << 16];
  while (true) {
    const size_t got = std::fread(buffer, 1, sizeof(buffer), file);
    pending.append(buffer, got);
    // Whole lines only, unless the file has ended.
    size_t whole = pending.size();
    if (got > 0) {
      const size_t newline = pending.rfind('\n');
      whole = newline == std::string::npos ? 0 : newline + 1;
    }
    if (whole > 0) {
      const size_t at = FirstDataLine(std::string_view(pending).substr(0, whole));
      if (at != std::string_view::npos) return start + at;
      pending.erase(0, whole);
      start += whole;
    }
    if (got == 0) return size;
  }
}

namespace {

uint64_t Newlines(std::string_view text) {
  return static_cast<uint64_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

absl::StatusOr<std::vector<LineBlock>> ReadLineBlocks(const std::string& path,
                                                      uint64_t block_bytes, int first,
                                                      int stride) {
  N2V_ASSIGN_OR_RETURN(gzFile file, OpenGzip(path));
  std::vector<LineBlock> kept;
  std::string pending;  // read, not yet in a block
  uint64_t index = 0, lines = 0;
  bool at_end = false, seen_data = false;
  const size_t chunk = static_cast<size_t>(std::clamp<uint64_t>(block_bytes, 1, 1 << 30));
  size_t want = chunk;
  while (true) {
    while (!at_end && pending.size() < want) {
      const absl::StatusOr<size_t> got = AppendGzip(file, path, chunk, pending);
      if (!got.ok()) {
        gzclose(file);
        return got.status();
      }
      at_end = *got == 0;
    }
    if (at_end && pending.empty()) break;
    // The block ends after its last newline, or with the file.
    size_t end = pending.size();
    if (!at_end) {
      const size_t newline = pending.rfind('\n');
      if (newline == std::string::npos) {  // one long line: read on
        want = pending.size() + chunk;
        continue;
      }
      end = newline + 1;
    }
    want = chunk;
    std::string rest = pending.substr(end);
    pending.resize(end);
    const uint64_t newlines = Newlines(pending);
    const bool before_any_data = !seen_data;
    seen_data = seen_data || FirstDataLine(pending) != std::string_view::npos;
    if (index % static_cast<uint64_t>(stride) == static_cast<uint64_t>(first)) {
      kept.push_back({.text = std::move(pending), .lines_before = lines,
                      .at_file_start = before_any_data});
    }
    lines += newlines;
    ++index;
    pending = std::move(rest);
  }
  gzclose(file);
  return kept;
}

}  // namespace n2v::io::internal
