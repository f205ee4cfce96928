// An output file written by one rank of an n2v-mpi job: an OutputSink
// whose file becomes the named file only when every rank has succeeded.
#ifndef N2V_CLI_RANK_OUTPUT_H_
#define N2V_CLI_RANK_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "n2v/distributed/communicator.h"
#include "output_file.h"
#include "output_sink.h"

namespace n2v::cli {

// The path a rank writes: `path` with "{rank}" replaced by its rank.
std::string PathOfRank(const std::string& path, int rank);

// The rule for --output-parts, in one place: with it, each output named
// (an empty path is skipped) must hold "{rank}", so that each rank has a
// file of its own; without it, none may, because rank 0 writes the whole
// file. InvalidArgument naming the flag.
absl::Status CheckOutputParts(bool output_parts, const std::vector<NamedPath>& outputs);

// After `ranks` parts of `path` ("{rank}") were written: removes parts
// ranks, ranks + 1, ... that an earlier run on more ranks left, so the
// parts on disk are one run's (a later --init reads them all).
void RemoveLaterParts(const std::string& path, int ranks);

class RankOutput {
 public:
  // Opens `path` (standard output when empty) for writing.
  absl::Status Open(const std::string& path);
  absl::Status Write(const std::string& text);
  // Collective: closes, and when `status` is OK on every rank moves the
  // file into place; otherwise removes it. Returns the same outcome on
  // every rank: OK, this rank's error, or Aborted naming the rank that
  // failed (AgreeOnStatus), so all ranks take the same next step.
  absl::Status Finish(const distributed::Communicator& comm, absl::Status status);

 private:
  OutputSink sink_;
};

}  // namespace n2v::cli

#endif  // N2V_CLI_RANK_OUTPUT_H_
