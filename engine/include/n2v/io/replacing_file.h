// Output files that appear whole or not at all: written under a temporary
// name next to their path and renamed into place only when complete.
//
// Every output n2v writes goes through here, so that the rule has one home:
// a reader sees the old file or the whole new one, two writers of one path
// never share a temporary file, and a process told to stop (SIGTERM from an
// orchestrator, Ctrl-C) leaves no temporary file behind when its signal
// handler calls RemoveUnfinishedFiles().
#ifndef N2V_IO_REPLACING_FILE_H_
#define N2V_IO_REPLACING_FILE_H_

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace n2v::io {

class ReplacingFile {
 public:
  // Creates "<path>.tmp.<pid>.<n>" as a new file: a name already taken,
  // even by a link another user planted in a shared folder, is passed
  // over, never opened. FailedPrecondition "cannot write '<path>':
  // <reason>" when the folder is missing or not writable.
  static absl::StatusOr<ReplacingFile> Create(const std::string& path);

  ReplacingFile(ReplacingFile&& other) noexcept;
  ReplacingFile& operator=(ReplacingFile&& other) noexcept;
  ReplacingFile(const ReplacingFile&) = delete;
  ReplacingFile& operator=(const ReplacingFile&) = delete;
  // Discards the file unless it was committed.
  ~ReplacingFile();

  // The open stream, for writers that format straight into it. Null once
  // committed or discarded.
  std::FILE* stream() const { return file_; }
  const std::string& path() const { return path_; }

  // Unavailable "cannot write '<path>': <reason>" when the bytes do not all
  // reach the stream (a full disk).
  absl::Status Write(std::string_view bytes);
  // Pushes what is buffered to the file: the last write error shows here,
  // before a caller that must agree with others commits.
  absl::Status Flush();
  // Flushes, closes and renames the file onto `path`, replacing what was
  // there. On any failure the temporary file is removed and the error,
  // Unavailable "cannot write '<path>': <reason>", is returned.
  absl::Status Commit();
  // Closes and removes the temporary file; `path` is left as it was.
  void Discard();

 private:
  ReplacingFile(std::string path, std::string temp, std::FILE* file, int slot);

  std::string path_, temp_;
  std::FILE* file_ = nullptr;
  int slot_ = -1;  // its entry in the list RemoveUnfinishedFiles reads
};

// Removes the temporary file of every ReplacingFile not yet committed or
// discarded. Async-signal-safe: it reads a fixed table and calls unlink(),
// so a SIGTERM or SIGINT handler may call it before the process ends.
void RemoveUnfinishedFiles();

}  // namespace n2v::io

#endif  // N2V_IO_REPLACING_FILE_H_
