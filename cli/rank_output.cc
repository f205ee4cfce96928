// RankOutput: write, agree, rename.
#include "rank_output.h"

#include <cerrno>
#include <cstring>
#include <span>
#include <vector>

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "output_file.h"
#include "walks_output.h"

namespace n2v::cli {

std::string PathOfRank(const std::string& path, int rank) {
  return absl::StrReplaceAll(path, {{"{rank}", absl::StrCat(rank)}});
}

void RemoveLaterParts(const std::string& path, int ranks) {
  if (path.find("{rank}") == std::string::npos) return;
  for (int part = ranks;; ++part) {
    const std::string stale = PathOfRank(path, part);
    if (std::remove(stale.c_str()) != 0) break;
  }
}

absl::Status RankOutput::Open(const std::string& path) {
  path_ = path;
  if (path.empty()) {
    file_ = stdout;
    return absl::OkStatus();
  }
  if (absl::Status s = CheckOutputPath(path); !s.ok()) return s;
  // Its own name: two jobs writing one path must not share a file.
  temp_ = absl::StrCat(path, ".tmp.", ::getpid());
  file_ = std::fopen(temp_.c_str(), "wb");
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write '", path, "': ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::Status RankOutput::Write(const std::string& text) {
  return WriteAll(file_, text, path_.empty() ? "<stdout>" : path_);
}

absl::Status RankOutput::Finish(const distributed::Communicator& comm,
                                absl::Status status) {
  if (file_ == stdout) {
    if (std::fflush(stdout) != 0 && status.ok()) {
      status = absl::InternalError("cannot write to standard output");
    }
  } else if (file_ != nullptr && std::fclose(file_) != 0 && status.ok()) {
    status = absl::InternalError(absl::StrCat("cannot write '", path_, "'"));
  }
  file_ = nullptr;
  std::vector<uint64_t> failed = {status.ok() ? 0u : 1u};
  if (absl::Status s = comm.SumAll(std::span<uint64_t>(failed)); !s.ok()) {
    status.Update(s);
  }
  if (!temp_.empty() && failed[0] == 0 && status.ok() &&
      std::rename(temp_.c_str(), path_.c_str()) != 0) {
    status = absl::InternalError(
        absl::StrCat("cannot move '", temp_, "' to '", path_, "': ", std::strerror(errno)));
  }
  if (!temp_.empty() && (failed[0] != 0 || !status.ok())) std::remove(temp_.c_str());
  // Every rank goes on to the same next step: on, or to the report (with
  // its own reason when it has one).
  const absl::Status agreed = distributed::AgreeOnStatus(comm, status, "writing its output");
  return status.ok() ? agreed : status;
}

RankOutput::~RankOutput() {
  if (file_ != nullptr && file_ != stdout) {
    std::fclose(file_);
    std::remove(temp_.c_str());
  }
}

}  // namespace n2v::cli
