// RankOutput: write, agree, rename.
#include "rank_output.h"

#include <cstdio>
#include <span>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace n2v::cli {

std::string PathOfRank(const std::string& path, int rank) {
  return absl::StrReplaceAll(path, {{"{rank}", absl::StrCat(rank)}});
}

absl::Status CheckOutputParts(bool output_parts, const std::vector<NamedPath>& outputs) {
  for (const auto& [flag, path] : outputs) {
    if (path.empty()) continue;
    const bool per_rank = path.find("{rank}") != std::string::npos;
    if (output_parts && !per_rank) {
      return absl::InvalidArgumentError(
          absl::StrCat("--output-parts needs ", flag, " with '{rank}' in the file name"));
    }
    if (!output_parts && per_rank) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " '", path, "' names a file per rank: add --output-parts, or take "
          "'{rank}' out of the name for one file written by rank 0"));
    }
  }
  return absl::OkStatus();
}

void RemoveLaterParts(const std::string& path, int ranks) {
  if (path.find("{rank}") == std::string::npos) return;
  for (int part = ranks;; ++part) {
    const std::string stale = PathOfRank(path, part);
    if (std::remove(stale.c_str()) != 0) break;
  }
}

absl::Status RankOutput::Open(const std::string& path) { return sink_.Open(path); }

absl::Status RankOutput::Write(const std::string& text) { return sink_.Write(text); }

absl::Status RankOutput::Finish(const distributed::Communicator& comm,
                                absl::Status status) {
  if (status.ok()) status = sink_.Flush();
  std::vector<uint64_t> failed = {status.ok() ? 0u : 1u};
  if (absl::Status s = comm.SumAll(std::span<uint64_t>(failed)); !s.ok()) {
    status.Update(s);
  }
  if (failed[0] == 0 && status.ok()) {
    status = sink_.Commit();
  } else {
    sink_.Discard();
  }
  // Every rank goes on to the same next step: on, or to the report (with
  // its own reason when it has one).
  const absl::Status agreed = distributed::AgreeOnStatus(comm, status, "writing its output");
  return status.ok() ? agreed : status;
}

}  // namespace n2v::cli
