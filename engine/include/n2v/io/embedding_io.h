// Embedding files in word2vec's formats.
//
// Text: a header line "<count> <dimensions>", then one line per node:
// "<id> <v1> ... <vd>", floats written in their shortest exact form.
// Binary: the same header line, then per node "<id> " followed by d
// little-endian float32 values and "\n" (readable by gensim's
// KeyedVectors.load_word2vec_format(binary=True)).
//
// Writes go through a ReplacingFile, so a failed or interrupted write never
// leaves a partial file under the target name.
#ifndef N2V_IO_EMBEDDING_IO_H_
#define N2V_IO_EMBEDDING_IO_H_

#include <string>

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "n2v/embeddings.h"

namespace n2v::io {

enum class EmbeddingFormat { kText, kBinary };

absl::Status WriteEmbeddings(const Embeddings& embeddings,
                             const std::string& path, EmbeddingFormat format);

// For files written piece by piece (a distributed run's rank 0): the
// header line, and rows [begin, end) of `embeddings` appended to `out` in
// `format`, exactly as WriteEmbeddings writes them.
std::string EmbeddingHeader(uint64_t count, uint32_t dimensions);
void AppendEmbeddingRows(const Embeddings& embeddings, size_t begin, size_t end,
                         EmbeddingFormat format, std::string& out);

// Reads either format (detected from the first row), a few MiB at a time.
// InvalidArgument as "<path>:<line>: <reason>" for malformed content.
absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path);

// Which rows a reader keeps, by node id.
using IdFilter = absl::FunctionRef<bool(int64_t id)>;
// ReadEmbeddings keeping only the rows `keep` accepts (a distributed run's
// share). Every row's id and field count are still checked; the values of
// the rows left out are not parsed.
absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path, IdFilter keep);
// The same, reading `block` bytes at a time: the file is read through a
// buffer of about that size and never held whole.
absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path, IdFilter keep,
                                          size_t block);

namespace internal {
class FileWindow;
}  // namespace internal

// One share of a text embedding file read by several processes (the ranks
// of a distributed run): the rows of the `share`-th of `shares` byte ranges
// after the header, each widened to whole lines, read a piece at a time
// through a window, so that the shares together hold every row once.
class EmbeddingShareReader {
 public:
  // NotFound when the file cannot be opened; InvalidArgument for a bad
  // header; FailedPrecondition for a gzip or binary file, which cannot be
  // split by bytes (read it whole with a filter instead).
  static absl::StatusOr<EmbeddingShareReader> Open(const std::string& path, int share,
                                                   int shares,
                                                   size_t block = size_t{1} << 22);
  EmbeddingShareReader(EmbeddingShareReader&&) noexcept;
  EmbeddingShareReader& operator=(EmbeddingShareReader&&) noexcept;
  ~EmbeddingShareReader();

  uint32_t dimensions() const { return dimensions_; }
  // The header's row count (of the whole file).
  uint64_t announced_rows() const { return announced_; }
  // Rows this share has given so far.
  uint64_t rows_read() const { return rows_; }
  // Up to `max_rows` more rows of this share; no rows at its end. Errors
  // are "<path>:<line>: <reason>" with the line in the whole file.
  absl::StatusOr<Embeddings> Next(size_t max_rows);

 private:
  EmbeddingShareReader() = default;

  std::string path_;
  std::unique_ptr<internal::FileWindow> window_;
  uint64_t begin_ = 0;  // byte where this share starts
  uint32_t dimensions_ = 0;
  uint64_t announced_ = 0;
  uint64_t rows_ = 0;
  uint64_t lines_ = 0;  // lines of this share read so far
};

}  // namespace n2v::io

#endif  // N2V_IO_EMBEDDING_IO_H_
