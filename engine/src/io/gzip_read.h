// Files read through zlib (gzip or plain): opening one, with the error
// every reader gives, and one read, with zlib's errors, and a gzip stream
// that ends before its end marker, as failures: a file cut short (an
// interrupted download) must not read as a smaller graph whose last line
// is half a line.
#ifndef N2V_IO_GZIP_READ_H_
#define N2V_IO_GZIP_READ_H_

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace n2v::io::internal {

// The file opened for reading with a 1 MiB buffer; NotFound "cannot open
// '<path>': <reason>" when it cannot be.
absl::StatusOr<gzFile> OpenGzip(const std::string& path);

// Up to `size` bytes into `into`: the bytes read (0 at the end of the
// file), or -1 with `*error` set.
int64_t ReadGzip(gzFile file, char* into, size_t size, std::string* error);

// Up to `size` more bytes of the file at the end of `text`: how many (0 at
// the end of the file), or DataLoss "cannot read '<path>': <reason>".
absl::StatusOr<size_t> AppendGzip(gzFile file, const std::string& path, size_t size,
                                  std::string& text);

}  // namespace n2v::io::internal

#endif  // N2V_IO_GZIP_READ_H_
