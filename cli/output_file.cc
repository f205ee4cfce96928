// CheckOutputPath implementation.
#include "output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace n2v::cli {

absl::Status CheckOutputPath(const std::string& path) {
  auto refuse = [&path](absl::string_view reason) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot write '", path, "': ", reason));
  };
  struct stat info;
  if (::stat(path.c_str(), &info) == 0) {  // follows links, e.g. /dev/stdout
    if (S_ISDIR(info.st_mode)) return refuse(std::strerror(EISDIR));
    if (!S_ISREG(info.st_mode)) {
      return refuse(
          "not a regular file (the output is written to a temporary file "
          "that then replaces it)");
    }
  }
  // Creating a file next to it is what the real write will do first.
  const std::string probe = absl::StrCat(path, ".probe.", ::getpid());
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) return refuse(std::strerror(errno));
  ::close(fd);
  ::unlink(probe.c_str());
  return absl::OkStatus();
}

}  // namespace n2v::cli
