// OutputSink: standard output or a ReplacingFile behind one interface.
#include "output_sink.h"

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "n2v/status_macros.h"
#include "output_file.h"

namespace n2v::cli {

absl::Status OutputSink::Open(const std::string& path) {
  file_.reset();
  if (path.empty()) return absl::OkStatus();
  N2V_RETURN_IF_ERROR(CheckReplaceable(path));
  N2V_ASSIGN_OR_RETURN(io::ReplacingFile file, io::ReplacingFile::Create(path));
  file_ = std::move(file);
  return absl::OkStatus();
}

absl::Status OutputSink::Write(std::string_view text) {
  if (file_) return file_->Write(text);
  if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size()) {
    return absl::OkStatus();
  }
  return WriteError(errno);
}

absl::Status OutputSink::WriteError(int error) const {
  const char* reason = std::strerror(error != 0 ? error : EIO);
  if (file_) {
    return absl::UnavailableError(
        absl::StrCat("cannot write '", file_->path(), "': ", reason));
  }
  return absl::UnavailableError(absl::StrCat("cannot write to standard output: ", reason));
}

absl::Status OutputSink::Flush() {
  if (file_) return file_->Flush();
  return std::fflush(stdout) == 0 ? absl::OkStatus() : WriteError(errno);
}

absl::Status OutputSink::Commit() {
  if (!file_) return Flush();
  absl::Status committed = file_->Commit();
  file_.reset();
  return committed;
}

void OutputSink::Discard() {
  if (file_) file_->Discard();
  file_.reset();
}

}  // namespace n2v::cli
