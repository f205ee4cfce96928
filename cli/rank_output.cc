// RankOutput: write, agree, rename.
#include "rank_output.h"

#include <cstdio>
#include <span>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "output_file.h"
#include "walks_output.h"

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

absl::Status RankOutput::Open(const std::string& path) {
  to_stdout_ = path.empty();
  if (to_stdout_) return absl::OkStatus();
  if (absl::Status s = CheckOutputPath(path); !s.ok()) return s;
  absl::StatusOr<io::ReplacingFile> file = io::ReplacingFile::Create(path);
  if (!file.ok()) return file.status();
  file_ = std::move(*file);
  return absl::OkStatus();
}

absl::Status RankOutput::Write(const std::string& text) {
  if (to_stdout_) return WriteAll(stdout, text, "<stdout>");
  return file_->Write(text);
}

absl::Status RankOutput::Finish(const distributed::Communicator& comm,
                                absl::Status status) {
  if (to_stdout_ && std::fflush(stdout) != 0 && status.ok()) {
    status = absl::InternalError("cannot write to standard output");
  }
  if (file_.has_value() && status.ok()) status = file_->Flush();
  std::vector<uint64_t> failed = {status.ok() ? 0u : 1u};
  if (absl::Status s = comm.SumAll(std::span<uint64_t>(failed)); !s.ok()) {
    status.Update(s);
  }
  if (file_.has_value()) {
    if (failed[0] == 0 && status.ok()) {
      status = file_->Commit();
    } else {
      file_->Discard();
    }
    file_.reset();
  }
  // Every rank goes on to the same next step: on, or to the report (with
  // its own reason when it has one).
  const absl::Status agreed = distributed::AgreeOnStatus(comm, status, "writing its output");
  return status.ok() ? agreed : status;
}

}  // namespace n2v::cli
