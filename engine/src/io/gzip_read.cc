// OpenGzip and ReadGzip: gzopen, gzread, and gzerror after a short read.
#include "io/gzip_read.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace n2v::io::internal {

absl::StatusOr<gzFile> OpenGzip(const std::string& path) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "cannot open '", path, "': ", errno != 0 ? std::strerror(errno) : "out of memory"));
  }
  gzbuffer(file, 1 << 20);
  return file;
}

int64_t ReadGzip(gzFile file, char* into, size_t size, std::string* error) {
  const unsigned want = static_cast<unsigned>(std::min<size_t>(size, INT_MAX));
  const int got = gzread(file, into, want);
  if (got >= 0 && static_cast<unsigned>(got) == want) return got;
  // A short read: the end of the file, or an error zlib noted.
  int code = Z_OK;
  const char* message = gzerror(file, &code);
  if (code == Z_OK && got >= 0) return got;
  if (code == Z_BUF_ERROR) {
    *error = "the gzip stream ends early (the file is cut short)";
  } else {
    *error = code == Z_ERRNO ? std::strerror(errno) : message;
  }
  return -1;
}

absl::StatusOr<size_t> AppendGzip(gzFile file, const std::string& path, size_t size,
                                  std::string& text) {
  const size_t old = text.size();
  text.resize(old + size);
  std::string error;
  const int64_t got = ReadGzip(file, text.data() + old, size, &error);
  if (got < 0) {
    text.resize(old);
    return absl::DataLossError(absl::StrCat("cannot read '", path, "': ", error));
  }
  text.resize(old + static_cast<size_t>(got));
  return static_cast<size_t>(got);
}

}  // namespace n2v::io::internal
