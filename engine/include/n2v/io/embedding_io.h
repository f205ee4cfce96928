// Embedding files in word2vec's formats.
//
// Text: a header line "<count> <dimensions>", then one line per node:
// "<id> <v1> ... <vd>", floats written in their shortest exact form.
// Binary: the same header line, then per node "<id> " followed by d
// little-endian float32 values and "\n" (readable by gensim's
// KeyedVectors.load_word2vec_format(binary=True)).
//
// Writes go to a temporary file renamed into place, so a failed write never
// leaves a partial file under the target name.
#ifndef N2V_IO_EMBEDDING_IO_H_
#define N2V_IO_EMBEDDING_IO_H_

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

}  // namespace n2v::io

#endif  // N2V_IO_EMBEDDING_IO_H_
