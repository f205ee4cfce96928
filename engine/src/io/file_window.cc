// FileWindow: block reads through zlib (which passes plain files through),
// or through stdio within a byte range.
#include "io/file_window.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "io/gzip_read.h"
#include "n2v/status_macros.h"

namespace n2v::io::internal {
namespace {

absl::Status CannotOpen(const std::string& path) {
  return absl::NotFoundError(absl::StrCat(
      "cannot open '", path, "': ", errno != 0 ? std::strerror(errno) : "out of memory"));
}

}  // namespace

absl::StatusOr<FileWindow> FileWindow::Open(const std::string& path, size_t block) {
  N2V_ASSIGN_OR_RETURN(gzFile file, OpenGzip(path));
  std::shared_ptr<void> owner(file, [](void* f) { gzclose(static_cast<gzFile>(f)); });
  Reader read = [file](char* into, size_t size, std::string* error) -> int64_t {
    return ReadGzip(file, into, size, error);
  };
  return FileWindow(std::move(owner), std::move(read), path, block);
}

absl::StatusOr<FileWindow> FileWindow::OpenRange(const std::string& path, uint64_t begin,
                                                 uint64_t end, size_t block) {
  errno = 0;
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return CannotOpen(path);
  std::shared_ptr<void> owner(file, [](void* f) { std::fclose(static_cast<std::FILE*>(f)); });
  if (fseeko(file, static_cast<off_t>(begin), SEEK_SET) != 0) {
    return absl::DataLossError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
  }
  auto left = std::make_shared<uint64_t>(end > begin ? end - begin : 0);
  Reader read = [file, left](char* into, size_t size, std::string* error) -> int64_t {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(size, *left));
    const size_t got = want == 0 ? 0 : std::fread(into, 1, want, file);
    if (got < want && std::ferror(file)) {
      *error = std::strerror(errno);
      return -1;
    }
    *left -= got;
    // A short read ends the range (its end, or the file's).
    if (got < want) *left = 0;
    return static_cast<int64_t>(got);
  };
  return FileWindow(std::move(owner), std::move(read), path, block);
}

absl::Status FileWindow::ReadBlock() {
  // Drop what was read, keep the unread bytes at the front.
  buffer_.erase(0, cursor_);
  cursor_ = 0;
  const size_t old = buffer_.size();
  buffer_.resize(old + block_);
  std::string error;
  const int64_t got = read_(buffer_.data() + old, block_, &error);
  if (got < 0) {
    buffer_.resize(old);
    return absl::DataLossError(absl::StrCat("cannot read '", path_, "': ", error));
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
