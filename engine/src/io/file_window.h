// FileWindow: a file (plain or gzip), or a byte range of a plain file, read
// front to back through a bounded buffer, for readers that keep only part
// of what they read (a distributed run's share of an embedding file) and
// should not hold the whole text.
#ifndef N2V_IO_FILE_WINDOW_H_
#define N2V_IO_FILE_WINDOW_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace n2v::io::internal {

class FileWindow {
 public:
  // The whole file, decompressed when it is gzip. NotFound when it cannot
  // be opened. `block` is how much it reads at a time.
  static absl::StatusOr<FileWindow> Open(const std::string& path,
                                         size_t block = size_t{1} << 22);
  // Bytes [begin, end) of a plain file.
  static absl::StatusOr<FileWindow> OpenRange(const std::string& path, uint64_t begin,
                                              uint64_t end, size_t block = size_t{1} << 22);

  // The unread bytes held now.
  std::string_view view() const {
    return std::string_view(buffer_).substr(cursor_);
  }
  // Holds at least `bytes` unread bytes, or all that is left of the file.
  // DataLoss when reading fails.
  absl::Status Want(size_t bytes);
  // Holds the unread bytes up to and including the next '\n', or all that
  // is left of the file when no '\n' follows.
  absl::Status WantLine();
  void Advance(size_t bytes) { cursor_ += bytes; }
  // Nothing unread is held and the file is exhausted.
  bool done() const { return cursor_ == buffer_.size() && exhausted_; }

 private:
  // Reads up to `size` bytes into `into`; returns how many, or a negative
  // count with `error` set.
  using Reader = std::function<int64_t(char* into, size_t size, std::string* error)>;
  FileWindow(std::shared_ptr<void> file, Reader read, std::string path, size_t block)
      : file_(std::move(file)), read_(std::move(read)), path_(std::move(path)),
        block_(block) {}
  // Reads one more block after the unread bytes.
  absl::Status ReadBlock();

  std::shared_ptr<void> file_;  // closes the file
  Reader read_;
  std::string path_;
  size_t block_;
  std::string buffer_;
  size_t cursor_ = 0;
  bool exhausted_ = false;
};

}  // namespace n2v::io::internal

#endif  // N2V_IO_FILE_WINDOW_H_
