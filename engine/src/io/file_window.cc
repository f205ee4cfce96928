// FileWindow: block reads through zlib (which passes plain files through).
#include "io/file_window.h"

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace n2v::io::internal {

absl::StatusOr<FileWindow> FileWindow::Open(const std::string& path, size_t block) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "cannot open '", path, "': ", errno != 0 ? std::strerror(errno) : "out of memory"));
  }
  gzbuffer(file, 1 << 20);
  return FileWindow(file, path, block);
}

absl::Status FileWindow::ReadBlock() {
  // Drop what was read, keep the unread bytes at the front.
  buffer_.erase(0, cursor_);
  cursor_ = 0;
  const size_t old = buffer_.size();
  buffer_.resize(old + block_);
  const int got = gzread(file_.get(), buffer_.data() + old, static_cast<unsigned>(block_));
  if (got < 0) {
    int code = 0;
    const std::string message = gzerror(file_.get(), &code);
    buffer_.resize(old);
    return absl::DataLossError(absl::StrCat(
        "cannot read '", path_, "': ", code == Z_ERRNO ? std::strerror(errno) : message));
  }
  buffer_.resize(old + static_cast<size_t>(got));
  if (static_cast<size_t>(got) < block_) exhausted_ = true;
  return absl::OkStatus();
}

absl::Status FileWindow::Want(size_t bytes) {
  while (buffer_.size() - cursor_ < bytes && !exhausted_) {
    if (absl::Status s = ReadBlock(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status FileWindow::WantLine() {
  size_t from = 0;
  while (view().find('\n', from) == std::string_view::npos && !exhausted_) {
    from = view().size();
    if (absl::Status s = ReadBlock(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace n2v::io::internal
