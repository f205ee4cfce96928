// word2vec text and binary embedding files.
#include "n2v/io/embedding_io.h"

#include <bit>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"
#include "io/file_window.h"
#include "io/line_ranges.h"
#include "io/text_lines.h"
#include "n2v/io/replacing_file.h"
#include "n2v/status_macros.h"

namespace n2v::io {
namespace {

static_assert(std::endian::native == std::endian::little,
              "binary embedding files are little-endian");

constexpr size_t kRowsPerBlock = 4096;

void AppendRowText(const Embeddings& e, size_t r, std::string& out) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), e.id(r));
  out.append(buf, end);
  for (float v : e.row(r)) {
    out.push_back(' ');
    auto [vend, vec] = std::to_chars(buf, buf + sizeof(buf), v);
    out.append(buf, vend);
  }
  out.push_back('\n');
}

void AppendRowBinary(const Embeddings& e, size_t r, std::string& out) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), e.id(r));
  out.append(buf, end);
  out.push_back(' ');
  const auto row = e.row(r);
  out.append(reinterpret_cast<const char*>(row.data()),
             row.size() * sizeof(float));
  out.push_back('\n');
}

}  // namespace

std::string EmbeddingHeader(uint64_t count, uint32_t dimensions) {
  return absl::StrCat(count, " ", dimensions, "\n");
}

void AppendEmbeddingRows(const Embeddings& embeddings, size_t begin, size_t end,
                         EmbeddingFormat format, std::string& out) {
  for (size_t r = begin; r < end; ++r) {
    if (format == EmbeddingFormat::kText) {
      AppendRowText(embeddings, r, out);
    } else {
      AppendRowBinary(embeddings, r, out);
    }
  }
}

absl::Status WriteEmbeddings(const Embeddings& embeddings,
                             const std::string& path, EmbeddingFormat format) {
  N2V_ASSIGN_OR_RETURN(ReplacingFile file, ReplacingFile::Create(path));
  N2V_RETURN_IF_ERROR(
      file.Write(EmbeddingHeader(embeddings.size(), embeddings.dimensions())));
  const size_t blocks = (embeddings.size() + kRowsPerBlock - 1) / kRowsPerBlock;
  // Format a few blocks in parallel, then write them in order.
  constexpr size_t kBlocksInFlight = 16;
  std::vector<std::string> text(kBlocksInFlight);
  for (size_t first = 0; first < blocks; first += kBlocksInFlight) {
    const size_t count = std::min(kBlocksInFlight, blocks - first);
    tbb::parallel_for(size_t{0}, count, [&](size_t b) {
      std::string& out = text[b];
      out.clear();
      const size_t begin = (first + b) * kRowsPerBlock;
      const size_t end = std::min(begin + kRowsPerBlock, embeddings.size());
      AppendEmbeddingRows(embeddings, begin, end, format, out);
    });
    for (size_t b = 0; b < count; ++b) N2V_RETURN_IF_ERROR(file.Write(text[b]));
  }
  return file.Commit();
}

namespace {

absl::Status Malformed(const std::string& path, uint64_t line,
                       std::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", ::n2v::internal::Sv(reason)));
}

// Parses "<count> <dimensions>" and returns the offset after its newline.
absl::StatusOr<size_t> ParseHeader(std::string_view text,
                                   const std::string& path, uint64_t& count,
                                   uint32_t& dims) {
  const size_t newline = text.find('\n');
  std::string_view line = text.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string_view fields[internal::kMaxFields];
  const size_t n = internal::SplitFields(line, fields, internal::kMaxFields);
  auto parse = [](std::string_view f, auto& v) {
    auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    return ec == std::errc() && end == f.data() + f.size();
  };
  if (n != 2 || !parse(fields[0], count) || !parse(fields[1], dims) ||
      dims == 0) {
    return Malformed(path, 1,
                     "expected a header '<count> <dimensions>' with "
                     "dimensions >= 1");
  }
  return newline == std::string_view::npos ? text.size() : newline + 1;
}

// True when the first row after the header parses as text with `dims` floats.
bool FirstRowIsText(std::string_view body, uint32_t dims) {
  const size_t newline = body.find('\n');
  std::string_view line = body.substr(0, newline);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t fields = 0, i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (fields > 0 && !internal::LooksNumeric(line.substr(start, i - start))) {
      return false;
    }
    ++fields;
  }
  return fields == size_t{dims} + 1;
}

// The rows kept so far.
struct KeptRows {
  std::vector<int64_t> ids;
  std::vector<float> values;
};

// One text row (`line`, without its newline) into `kept` when `keep` takes
// its id; counts it in `rows`.
absl::Status ReadTextRow(std::string_view line, const std::string& path, uint64_t line_no,
                         uint32_t dims, IdFilter keep, uint64_t& rows, KeptRows& kept) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.find_first_not_of(" \t") == std::string_view::npos) return absl::OkStatus();
  size_t i = 0, field = 0;
  bool wanted = true;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    const std::string_view token = line.substr(start, i - start);
    if (field == 0) {
      int64_t id;
      if (auto e = internal::ParseId(token, id)) return Malformed(path, line_no, *e);
      ++rows;
      wanted = keep(id);
      if (wanted) kept.ids.push_back(id);
    } else if (field <= dims && wanted) {
      float v;
      auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), v);
      if (ec != std::errc() || end != token.data() + token.size()) {
        return Malformed(path, line_no,
                         absl::StrCat("value '", ::n2v::internal::Sv(token), "' is not a number"));
      }
      kept.values.push_back(v);
    }
    ++field;
  }
  if (field != size_t{dims} + 1) {
    return Malformed(path, line_no,
                     absl::StrCat("expected an id and ", dims, " values, found ", field,
                                  " fields"));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeptRows> ReadText(internal::FileWindow& in, const std::string& path,
                                  uint64_t count, uint32_t dims, IdFilter keep) {
  KeptRows kept;
  uint64_t rows = 0, line_no = 1;
  while (true) {
    N2V_RETURN_IF_ERROR(in.WantLine());
    if (in.done()) break;
    const std::string_view rest = in.view();
    const size_t newline = rest.find('\n');
    ++line_no;
    N2V_RETURN_IF_ERROR(ReadTextRow(rest.substr(0, newline), path, line_no, dims, keep,
                                    rows, kept));
    in.Advance(newline == std::string_view::npos ? rest.size() : newline + 1);
  }
  if (rows != count) {
    return Malformed(path, line_no,
                     absl::StrCat("header announces ", count, " rows, found ", rows));
  }
  return kept;
}

// Longest id field a binary row may start with ("-9223372036854775808").
constexpr size_t kMaxIdBytes = 24;

absl::StatusOr<KeptRows> ReadBinary(internal::FileWindow& in, const std::string& path,
                                    uint64_t count, uint32_t dims, IdFilter keep) {
  KeptRows kept;
  const size_t row_bytes = size_t{dims} * sizeof(float);
  for (uint64_t r = 0; r < count; ++r) {
    while (true) {  // newlines between rows
      N2V_RETURN_IF_ERROR(in.Want(1));
      if (in.view().empty() || (in.view()[0] != '\n' && in.view()[0] != '\r')) break;
      in.Advance(1);
    }
    N2V_RETURN_IF_ERROR(in.Want(kMaxIdBytes + 1 + row_bytes));
    const std::string_view rest = in.view();
    const size_t space = rest.substr(0, kMaxIdBytes + 1).find(' ');
    if (space == std::string_view::npos || rest.size() - space - 1 < row_bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", r + 1, " of ", count, " is truncated"));
    }
    int64_t id;
    if (auto e = internal::ParseId(rest.substr(0, space), id)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": row ", r + 1, ": ", *e));
    }
    if (keep(id)) {
      kept.ids.push_back(id);
      kept.values.resize(kept.values.size() + dims);
      std::memcpy(kept.values.data() + kept.values.size() - dims, rest.data() + space + 1,
                  row_bytes);
    }
    in.Advance(space + 1 + row_bytes);
  }
  while (!in.done()) {
    N2V_RETURN_IF_ERROR(in.Want(1));
    if (in.view().find_first_not_of("\r\n") != std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": not an embedding file: the header announces ", count,
          " binary rows of ", dims, " floats but more data follows"));
    }
    in.Advance(in.view().size());
  }
  return kept;
}

}  // namespace

absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path) {
  return ReadEmbeddings(path, [](int64_t) { return true; });
}

absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path, IdFilter keep) {
  return ReadEmbeddings(path, keep, size_t{1} << 22);
}

absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path, IdFilter keep,
                                          size_t block) {
  N2V_ASSIGN_OR_RETURN(internal::FileWindow in, internal::FileWindow::Open(path, block));
  uint64_t count = 0;
  uint32_t dims = 0;
  N2V_RETURN_IF_ERROR(in.WantLine());
  N2V_ASSIGN_OR_RETURN(size_t body_start, ParseHeader(in.view(), path, count, dims));
  in.Advance(body_start);
  N2V_RETURN_IF_ERROR(in.WantLine());
  absl::StatusOr<KeptRows> kept = FirstRowIsText(in.view(), dims)
                                      ? ReadText(in, path, count, dims, keep)
                                      : ReadBinary(in, path, count, dims, keep);
  if (!kept.ok()) {
    if (kept.status().message().find(path) == 0) return kept.status();
    return absl::Status(kept.status().code(),
                        absl::StrCat(path, ": ", kept.status().message()));
  }
  absl::StatusOr<Embeddings> rows = Embeddings::FromRows(std::move(kept->ids), dims, kept->values);
  if (!rows.ok()) {
    return absl::Status(rows.status().code(),
                        absl::StrCat(path, ": ", rows.status().message()));
  }
  return rows;
}

namespace {

// Whether the file starts with gzip's magic bytes, and its size.
absl::StatusOr<std::pair<bool, uint64_t>> GzipAndSize(std::FILE* file, const std::string& path) {
  unsigned char magic[2] = {0, 0};
  const bool gzip = std::fread(magic, 1, 2, file) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  if (fseeko(file, 0, SEEK_END) != 0) {
    return absl::DataLossError(absl::StrCat("cannot read '", path, "'"));
  }
  return std::make_pair(gzip, static_cast<uint64_t>(ftello(file)));
}

// Where share k of `shares` starts: a line start at or after its byte, and
// not before the first row.
absl::StatusOr<uint64_t> ShareStart(std::FILE* file, uint64_t size, uint64_t body_start,
                                    int k, int shares) {
  if (k == shares) return size;
  N2V_ASSIGN_OR_RETURN(uint64_t at,
                       internal::LineStartAtOrAfter(file, size * k / shares, size));
  return std::max(at, body_start);
}

}  // namespace

absl::StatusOr<EmbeddingShareReader> EmbeddingShareReader::Open(const std::string& path,
                                                                int share, int shares,
                                                                size_t block) {
  std::FILE* raw = std::fopen(path.c_str(), "rb");
  if (raw == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(raw, &std::fclose);
  N2V_ASSIGN_OR_RETURN(const auto gzip_and_size, GzipAndSize(file.get(), path));
  if (gzip_and_size.first) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": a gzip file cannot be split into byte ranges"));
  }
  EmbeddingShareReader reader;
  reader.path_ = path;
  N2V_ASSIGN_OR_RETURN(internal::FileWindow head, internal::FileWindow::Open(path, block));
  N2V_RETURN_IF_ERROR(head.WantLine());
  N2V_ASSIGN_OR_RETURN(const size_t body_start,
                       ParseHeader(head.view(), path, reader.announced_, reader.dimensions_));
  head.Advance(body_start);
  N2V_RETURN_IF_ERROR(head.WantLine());
  if (!head.done() && !FirstRowIsText(head.view(), reader.dimensions_)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": a binary file cannot be split into byte ranges"));
  }
  const uint64_t size = gzip_and_size.second;
  N2V_ASSIGN_OR_RETURN(reader.begin_, ShareStart(file.get(), size, body_start, share, shares));
  N2V_ASSIGN_OR_RETURN(const uint64_t end,
                       ShareStart(file.get(), size, body_start, share + 1, shares));
  N2V_ASSIGN_OR_RETURN(internal::FileWindow window,
                       internal::FileWindow::OpenRange(path, reader.begin_, end, block));
  reader.window_ = std::make_unique<internal::FileWindow>(std::move(window));
  return reader;
}

EmbeddingShareReader::EmbeddingShareReader(EmbeddingShareReader&&) noexcept = default;
EmbeddingShareReader& EmbeddingShareReader::operator=(EmbeddingShareReader&&) noexcept =
    default;
EmbeddingShareReader::~EmbeddingShareReader() = default;

absl::StatusOr<Embeddings> EmbeddingShareReader::Next(size_t max_rows) {
  KeptRows kept;
  auto keep_all = [](int64_t) { return true; };
  while (kept.ids.size() < max_rows) {
    N2V_RETURN_IF_ERROR(window_->WantLine());
    if (window_->done()) break;
    const std::string_view rest = window_->view();
    const size_t newline = rest.find('\n');
    const std::string_view line = rest.substr(0, newline);
    ++lines_;
    if (absl::Status s = ReadTextRow(line, path_, lines_, dimensions_, keep_all, rows_, kept);
        !s.ok()) {
      // Name the line in the whole file: count the lines before the share
      // (only now, as it reads the file up to there).
      const uint64_t line_no = internal::CountLines(path_, begin_) + lines_;
      uint64_t ignored_rows = 0;
      KeptRows ignored;
      return ReadTextRow(line, path_, line_no, dimensions_, keep_all, ignored_rows, ignored);
    }
    window_->Advance(newline == std::string_view::npos ? rest.size() : newline + 1);
  }
  absl::StatusOr<Embeddings> rows =
      Embeddings::FromRows(std::move(kept.ids), dimensions_, kept.values);
  if (!rows.ok()) {
    return absl::Status(rows.status().code(), absl::StrCat(path_, ": ", rows.status().message()));
  }
  return rows;
}

}  // namespace n2v::io
