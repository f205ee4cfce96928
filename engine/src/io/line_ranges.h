// Line-aligned byte ranges of a plain file, for readers that split a file
// among the ranks of a distributed run: where a range starts, and how many
// lines lie before it (for error messages that name the line).
#ifndef N2V_IO_LINE_RANGES_H_
#define N2V_IO_LINE_RANGES_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/status/statusor.h"

namespace n2v::io::internal {

// Where the line holding byte `pos` - 1 ends (0 for pos 0, `size` when no
// newline follows): the start of a range.
absl::StatusOr<uint64_t> LineStartAtOrAfter(std::FILE* file, uint64_t pos, uint64_t size);

// Newlines in the first `end` bytes of the file.
uint64_t CountLines(const std::string& path, uint64_t end);

}  // namespace n2v::io::internal

#endif  // N2V_IO_LINE_RANGES_H_
