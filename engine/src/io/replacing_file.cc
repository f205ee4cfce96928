// ReplacingFile, and the table of unfinished temporary files that a signal
// handler may read.
#include "n2v/io/replacing_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace n2v::io {
namespace {

// The temporary files still being written. A handler may run at any
// moment, so each entry is published with its state: it reads a name only
// while the state says the name is whole.
enum SlotState : int { kFree = 0, kFilling = 1, kLive = 2 };
constexpr int kSlots = 64;
constexpr size_t kNameBytes = 4096;

struct Slot {
  std::atomic<int> state{kFree};
  char name[kNameBytes];
};
static_assert(std::atomic<int>::is_always_lock_free);

Slot g_slots[kSlots];
std::atomic<uint64_t> g_next_file{0};

// The entry now listing `temp`, or -1 when the table is full or the name
// too long (the file is then still written and renamed, only not removed
// by a signal handler).
int ListUnfinished(const std::string& temp) {
  if (temp.size() >= kNameBytes) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (!g_slots[i].state.compare_exchange_strong(expected, kFilling)) continue;
    std::memcpy(g_slots[i].name, temp.c_str(), temp.size() + 1);
    g_slots[i].state.store(kLive, std::memory_order_release);
    return i;
  }
  return -1;
}

void Unlist(int slot) {
  if (slot >= 0) g_slots[slot].state.store(kFree, std::memory_order_release);
}

// Names tried before giving up when each is taken.
constexpr int kNamesToTry = 100;

// A new file at `name`, or null with errno set. Never one that is already
// there: a link planted under the name (by another user of a shared
// folder) is not followed, so no other file is truncated through it.
std::FILE* CreateNew(const std::string& name) {
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        0666);
  if (fd < 0) return nullptr;
  std::FILE* file = ::fdopen(fd, "wb");
  if (file == nullptr) {
    const int error = errno;
    ::close(fd);
    ::unlink(name.c_str());
    errno = error;
  }
  return file;
}

absl::Status CannotWrite(absl::StatusCode code, const std::string& path, int error) {
  return absl::Status(code, absl::StrCat("cannot write '", path, "': ",
                                         std::strerror(error != 0 ? error : EIO)));
}

absl::Status AlreadyClosed(const std::string& path) {
  return absl::FailedPreconditionError(absl::StrCat("cannot write '", path, "': already closed"));
}

}  // namespace

absl::StatusOr<ReplacingFile> ReplacingFile::Create(const std::string& path) {
  int error = EEXIST;
  for (int attempt = 0; attempt < kNamesToTry && error == EEXIST; ++attempt) {
    // Its own name: two writers of one path, in one process or two, must
    // not share a file.
    std::string temp = absl::StrCat(path, ".tmp.", ::getpid(), ".",
                                    g_next_file.fetch_add(1));
    // Listed before it exists, so no moment leaves it unlisted.
    const int slot = ListUnfinished(temp);
    std::FILE* file = CreateNew(temp);
    if (file != nullptr) return ReplacingFile(path, std::move(temp), file, slot);
    error = errno;
    Unlist(slot);
  }
  return CannotWrite(absl::StatusCode::kFailedPrecondition, path, error);
}

ReplacingFile::ReplacingFile(std::string path, std::string temp, std::FILE* file,
                             int slot)
    : path_(std::move(path)), temp_(std::move(temp)), file_(file), slot_(slot) {}

ReplacingFile::ReplacingFile(ReplacingFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_(std::move(other.temp_)),
      file_(std::exchange(other.file_, nullptr)),
      slot_(std::exchange(other.slot_, -1)) {}

ReplacingFile& ReplacingFile::operator=(ReplacingFile&& other) noexcept {
  if (this != &other) {
    Discard();
    path_ = std::move(other.path_);
    temp_ = std::move(other.temp_);
    file_ = std::exchange(other.file_, nullptr);
    slot_ = std::exchange(other.slot_, -1);
  }
  return *this;
}

ReplacingFile::~ReplacingFile() { Discard(); }

absl::Status ReplacingFile::Write(std::string_view bytes) {
  if (file_ == nullptr) return AlreadyClosed(path_);
  if (std::fwrite(bytes.data(), 1, bytes.size(), file_) == bytes.size()) {
    return absl::OkStatus();
  }
  return CannotWrite(absl::StatusCode::kUnavailable, path_, errno);
}

absl::Status ReplacingFile::Flush() {
  if (file_ == nullptr) return AlreadyClosed(path_);
  if (std::ferror(file_) != 0) return CannotWrite(absl::StatusCode::kUnavailable, path_, EIO);
  if (std::fflush(file_) != 0) return CannotWrite(absl::StatusCode::kUnavailable, path_, errno);
  return absl::OkStatus();
}

absl::Status ReplacingFile::Commit() {
  if (file_ == nullptr) return AlreadyClosed(path_);
  int error = 0;
  // A write error the stream kept, or one the flush or close reports now.
  if (std::ferror(file_) != 0) {
    error = EIO;
  } else if (std::fflush(file_) != 0) {
    error = errno;
  }
  if (std::fclose(std::exchange(file_, nullptr)) != 0 && error == 0) error = errno;
  if (error == 0 && std::rename(temp_.c_str(), path_.c_str()) != 0) error = errno;
  if (error != 0) std::remove(temp_.c_str());
  Unlist(std::exchange(slot_, -1));
  if (error != 0) return CannotWrite(absl::StatusCode::kUnavailable, path_, error);
  return absl::OkStatus();
}

void ReplacingFile::Discard() {
  if (file_ == nullptr) return;
  std::fclose(std::exchange(file_, nullptr));
  std::remove(temp_.c_str());
  Unlist(std::exchange(slot_, -1));
}

void RemoveUnfinishedFiles() {
  for (Slot& slot : g_slots) {
    if (slot.state.load(std::memory_order_acquire) == kLive) ::unlink(slot.name);
  }
}

}  // namespace n2v::io
