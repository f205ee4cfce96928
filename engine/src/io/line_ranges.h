// Line-aligned byte ranges of a plain file, for readers that split a file
// among the ranks of a distributed run: where a range starts, and how many
// lines lie before it (for error messages that name the line). A gzip
// file cannot be split by bytes, so it is split into line-aligned blocks
// as it is read.
#ifndef N2V_IO_LINE_RANGES_H_
#define N2V_IO_LINE_RANGES_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace n2v::io::internal {

// Where the line holding byte `pos` - 1 ends (0 for pos 0, `size` when no
// newline follows): the start of a range.
absl::StatusOr<uint64_t> LineStartAtOrAfter(std::FILE* file, uint64_t pos, uint64_t size);

// Newlines in the first `end` bytes of the file.
uint64_t CountLines(const std::string& path, uint64_t end);

// Where the file's first data line (not blank, not a comment) starts, or
// `size` when it has none: a share may take its first line for a header
// only when no data line comes before the share.
absl::StatusOr<uint64_t> FirstDataLineAt(std::FILE* file, uint64_t size);

// A block of a file's text: whole lines, the newlines before it, and
// whether no data line comes before it.
struct LineBlock {
  std::string text;
  uint64_t lines_before = 0;
  bool at_file_start = false;
};

// Reads the whole file through zlib (gzip or plain) in blocks of about
// `block_bytes`, each ending at a line's end or the file's, and returns
// blocks first, first + stride, ... (a share of `stride` shares: the
// others are read and dropped). Errors: NotFound when the file cannot be
// opened, DataLoss when it cannot be read.
absl::StatusOr<std::vector<LineBlock>> ReadLineBlocks(const std::string& path,
                                                      uint64_t block_bytes, int first,
                                                      int stride);

}  // namespace n2v::io::internal

#endif  // N2V_IO_LINE_RANGES_H_
