// word2vec text and binary embedding files.
#include "n2v/io/embedding_io.h"

#include <unistd.h>

#include <bit>
#include <charconv>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <oneapi/tbb/parallel_for.h>

#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"
#include "io/text_lines.h"
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

absl::Status WriteError(const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat("cannot write '", path, "': ", std::strerror(errno)));
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
  const std::string temp = absl::StrCat(path, ".tmp.", ::getpid());
  std::FILE* file = std::fopen(temp.c_str(), "wb");
  if (file == nullptr) return WriteError(path);
  const std::string header =
      EmbeddingHeader(embeddings.size(), embeddings.dimensions());
  bool ok = std::fwrite(header.data(), 1, header.size(), file) == header.size();
  const size_t blocks = (embeddings.size() + kRowsPerBlock - 1) / kRowsPerBlock;
  // Format a few blocks in parallel, then write them in order.
  constexpr size_t kBlocksInFlight = 16;
  std::vector<std::string> text(kBlocksInFlight);
  for (size_t first = 0; ok && first < blocks; first += kBlocksInFlight) {
    const size_t count = std::min(kBlocksInFlight, blocks - first);
    tbb::parallel_for(size_t{0}, count, [&](size_t b) {
      std::string& out = text[b];
      out.clear();
      const size_t begin = (first + b) * kRowsPerBlock;
      const size_t end = std::min(begin + kRowsPerBlock, embeddings.size());
      AppendEmbeddingRows(embeddings, begin, end, format, out);
    });
    for (size_t b = 0; ok && b < count; ++b) {
      ok = std::fwrite(text[b].data(), 1, text[b].size(), file) ==
           text[b].size();
    }
  }
  ok = (std::fflush(file) == 0) && ok;
  const int saved_errno = errno;
  ok = (std::fclose(file) == 0) && ok;
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    errno = ok ? errno : saved_errno;
    absl::Status error = WriteError(path);
    std::remove(temp.c_str());
    return error;
  }
  return absl::OkStatus();
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

absl::StatusOr<Embeddings> ReadText(std::string_view body,
                                    const std::string& path, uint64_t count,
                                    uint32_t dims, IdFilter keep) {
  std::vector<int64_t> ids;
  std::vector<float> values;
  uint64_t rows = 0;
  uint64_t line_no = 1;
  while (!body.empty()) {
    ++line_no;
    const size_t newline = body.find('\n');
    std::string_view line = body.substr(0, newline);
    body.remove_prefix(newline == std::string_view::npos ? body.size()
                                                         : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    size_t i = 0, field = 0;
    bool kept = true;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i == line.size()) break;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      const std::string_view token = line.substr(start, i - start);
      if (field == 0) {
        int64_t id;
        if (auto e = internal::ParseId(token, id)) {
          return Malformed(path, line_no, *e);
        }
        ++rows;
        kept = keep(id);
        if (kept) ids.push_back(id);
      } else if (field <= dims && kept) {
        float v;
        auto [end, ec] =
            std::from_chars(token.data(), token.data() + token.size(), v);
        if (ec != std::errc() || end != token.data() + token.size()) {
          return Malformed(path, line_no,
                           absl::StrCat("value '", ::n2v::internal::Sv(token), "' is not a number"));
        }
        values.push_back(v);
      }
      ++field;
    }
    if (field != size_t{dims} + 1) {
      return Malformed(path, line_no,
                       absl::StrCat("expected an id and ", dims,
                                    " values, found ", field, " fields"));
    }
  }
  if (rows != count) {
    return Malformed(path, line_no,
                     absl::StrCat("header announces ", count, " rows, found ",
                                  rows));
  }
  return Embeddings::FromRows(std::move(ids), dims, values);
}

absl::StatusOr<Embeddings> ReadBinary(std::string_view body,
                                      const std::string& path, uint64_t count,
                                      uint32_t dims, IdFilter keep) {
  std::vector<int64_t> ids;
  std::vector<float> values;
  size_t at = 0;
  for (uint64_t r = 0; r < count; ++r) {
    while (at < body.size() && (body[at] == '\n' || body[at] == '\r')) ++at;
    const size_t space = body.find(' ', at);
    if (space == std::string_view::npos ||
        body.size() - space - 1 < size_t{dims} * sizeof(float)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": row ", r + 1, " of ", count, " is truncated"));
    }
    int64_t id;
    if (auto e = internal::ParseId(body.substr(at, space - at), id)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": row ", r + 1, ": ", *e));
    }
    if (keep(id)) {
      ids.push_back(id);
      const char* row = body.data() + space + 1;
      values.resize(values.size() + dims);
      std::memcpy(values.data() + values.size() - dims, row, size_t{dims} * sizeof(float));
    }
    at = space + 1 + size_t{dims} * sizeof(float);
  }
  if (body.find_first_not_of("\r\n", at) != std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": not an embedding file: the header announces ", count,
        " binary rows of ", dims, " floats but more data follows"));
  }
  return Embeddings::FromRows(std::move(ids), dims, values);
}

}  // namespace

absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path) {
  return ReadEmbeddings(path, [](int64_t) { return true; });
}

absl::StatusOr<Embeddings> ReadEmbeddings(const std::string& path, IdFilter keep) {
  N2V_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  uint64_t count = 0;
  uint32_t dims = 0;
  N2V_ASSIGN_OR_RETURN(size_t body_start, ParseHeader(text, path, count, dims));
  std::string_view body = std::string_view(text).substr(body_start);
  absl::StatusOr<Embeddings> result =
      FirstRowIsText(body, dims) ? ReadText(body, path, count, dims, keep)
                                 : ReadBinary(body, path, count, dims, keep);
  if (!result.ok() && result.status().message().find(path) != 0) {
    return absl::Status(result.status().code(),
                        absl::StrCat(path, ": ", result.status().message()));
  }
  return result;
}

}  // namespace n2v::io
