// Where a command writes its output: standard output, or a file that
// appears whole or not at all (io::ReplacingFile). The one place that
// chooses between the two, for n2v walks, n2v edge-features and each rank
// of n2v-mpi.
#ifndef N2V_CLI_OUTPUT_SINK_H_
#define N2V_CLI_OUTPUT_SINK_H_

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "n2v/io/replacing_file.h"

namespace n2v::cli {

class OutputSink {
 public:
  // Standard output when `path` is empty; otherwise refuses what
  // CheckReplaceable refuses and creates the file.
  absl::Status Open(const std::string& path);

  // The stream, for writers that format straight into it.
  std::FILE* stream() const { return file_ ? file_->stream() : stdout; }
  absl::Status Write(std::string_view text);
  // The error for a write to stream() that failed with `error` (errno).
  absl::Status WriteError(int error) const;

  // Pushes what is buffered out; a failed earlier write shows here.
  absl::Status Flush();
  // Flushes; a file is moved into place.
  absl::Status Commit();
  // A file is removed, the older one under its name left as it was.
  void Discard();

 private:
  std::optional<io::ReplacingFile> file_;  // none: standard output
};

}  // namespace n2v::cli

#endif  // N2V_CLI_OUTPUT_SINK_H_
