// Edge list, node list and node pair readers.
#include "n2v/io/edge_list_reader.h"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>

#include <zlib.h>

#include "internal/parallel.h"
#include "io/gzip_read.h"
#include "io/line_ranges.h"
#include "io/text_lines.h"
#include "n2v/status_macros.h"

namespace n2v::io {
namespace internal {

absl::StatusOr<std::string> ReadWholeFile(const std::string& path) {
  N2V_ASSIGN_OR_RETURN(gzFile file, OpenGzip(path));
  std::string text;
  constexpr size_t kBlock = size_t{1} << 22;
  while (true) {
    const absl::StatusOr<size_t> got = AppendGzip(file, path, kBlock, text);
    if (!got.ok()) {
      gzclose(file);
      return got.status();
    }
    if (*got < kBlock) break;
  }
  gzclose(file);
  return text;
}

}  // namespace internal

namespace {

struct EdgeChunk {
  std::vector<int64_t> sources, targets;
  std::vector<float> weights;
};

std::optional<std::string> ParseWeight(std::string_view field, float& weight) {
  const auto [end, ec] =
      std::from_chars(field.data(), field.data() + field.size(), weight);
  if (ec == std::errc::result_out_of_range) {
    return absl::StrCat("weight '", ::n2v::internal::Sv(field), "' is outside the float range");
  }
  if (ec != std::errc() || end != field.data() + field.size()) {
    return absl::StrCat("weight '", ::n2v::internal::Sv(field), "' is not a number");
  }
  if (!(std::isfinite(weight) && weight > 0)) {
    return absl::StrCat("weight '", ::n2v::internal::Sv(field), "' must be finite and > 0");
  }
  return std::nullopt;
}

template <typename T>
void Append(std::vector<T>& to, std::vector<T>& from) {
  if (to.empty()) {
    to = std::move(from);
  } else {
    to.insert(to.end(), from.begin(), from.end());
  }
  std::vector<T>().swap(from);
}

std::optional<std::string> ParseTwoIds(const std::string_view* fields,
                                       size_t count, int64_t& a, int64_t& b) {
  if (count < 2) {
    return absl::StrCat("expected two node ids, found ", count,
                        count == 1 ? " field" : " fields");
  }
  if (auto e = internal::ParseId(fields[0], a)) return e;
  if (auto e = internal::ParseId(fields[1], b)) return e;
  return std::nullopt;
}

// A line-aligned share of a file's text.
struct Share {
  std::string text;
  bool at_file_start = true;
  std::function<uint64_t()> lines_before;
};

absl::StatusOr<EdgeList> ParseEdgeList(Share share, const std::string& path,
                                       const EdgeListReadOptions& options) {
  std::string& text = share.text;
  std::vector<EdgeChunk> chunks;
  absl::Status status = ::n2v::internal::RunInArena(options.num_threads, [&] {
    return internal::ParseLines(
        text, path, chunks,
        [&](const std::string_view* fields, size_t count,
            EdgeChunk& out) -> std::optional<std::string> {
          int64_t a, b;
          if (auto e = ParseTwoIds(fields, count, a, b)) return e;
          if (options.weighted) {
            if (count < 3) {
              return std::string(
                  "missing weight: a weighted edge list needs a third column");
            }
            float w;
            if (auto e = ParseWeight(fields[2], w)) return e;
            out.weights.push_back(w);
          }
          out.sources.push_back(a);
          out.targets.push_back(b);
          return std::nullopt;
        },
        share.at_file_start, share.lines_before);
  });
  N2V_RETURN_IF_ERROR(status);
  std::string().swap(text);
  EdgeList edges;
  for (EdgeChunk& chunk : chunks) {
    Append(edges.sources, chunk.sources);
    Append(edges.targets, chunk.targets);
    Append(edges.weights, chunk.weights);
  }
  return edges;
}

absl::StatusOr<std::vector<int64_t>> ParseNodeList(const Share& share,
                                                   const std::string& path) {
  std::vector<std::vector<int64_t>> chunks;
  N2V_RETURN_IF_ERROR(internal::ParseLines(
      share.text, path, chunks,
      [](const std::string_view* fields, size_t,
         std::vector<int64_t>& out) -> std::optional<std::string> {
        int64_t id;
        if (auto e = internal::ParseId(fields[0], id)) return e;
        out.push_back(id);
        return std::nullopt;
      },
      share.at_file_start, share.lines_before));
  std::vector<int64_t> ids;
  for (auto& chunk : chunks) Append(ids, chunk);
  return ids;
}

// A gzip file's share: blocks of its text as it is read (every rank reads
// the whole stream; each keeps every `shares`-th block).
constexpr uint64_t kGzipBlockBytes = uint64_t{4} << 20;

absl::StatusOr<std::vector<Share>> ReadGzipShare(const std::string& path, int share,
                                                 int shares) {
  N2V_ASSIGN_OR_RETURN(std::vector<internal::LineBlock> blocks,
                       internal::ReadLineBlocks(path, kGzipBlockBytes, share, shares));
  std::vector<Share> out;
  for (internal::LineBlock& block : blocks) {
    const uint64_t before = block.lines_before;
    out.push_back({.text = std::move(block.text),
                   .at_file_start = block.at_file_start,
                   .lines_before = [before] { return before; }});
  }
  return out;
}

// The `share`-th of `shares` line-aligned parts of the file: one byte
// range of a plain file, or blocks of a gzip file.
absl::StatusOr<std::vector<Share>> ReadShare(const std::string& path, int share, int shares) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("cannot open '", path, "': ", std::strerror(errno)));
  }
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> closer(file, &std::fclose);
  struct stat info;
  if (::fstat(::fileno(file), &info) == 0 &&
      (S_ISFIFO(info.st_mode) || S_ISCHR(info.st_mode) || S_ISSOCK(info.st_mode))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot share '", path, "' among the ranks: it is a stream, not a file (each "
        "rank reads a byte range of the input, so every rank must be able to open it; "
        "give a file, or one file per rank with '{rank}' in the name)"));
  }
  unsigned char magic[2] = {0, 0};
  const size_t magic_bytes = std::fread(magic, 1, 2, file);
  if (std::ferror(file)) {  // a directory, for one
    return absl::DataLossError(absl::StrCat("cannot read '", path, "': ", std::strerror(errno)));
  }
  if (magic_bytes == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
    return ReadGzipShare(path, share, shares);
  }
  if (fseeko(file, 0, SEEK_END) != 0) {
    return absl::DataLossError(absl::StrCat("cannot read '", path, "'"));
  }
  const uint64_t size = static_cast<uint64_t>(ftello(file));
  N2V_ASSIGN_OR_RETURN(uint64_t begin,
                       internal::LineStartAtOrAfter(file, size * share / shares, size));
  N2V_ASSIGN_OR_RETURN(uint64_t end,
                       internal::LineStartAtOrAfter(file, size * (share + 1) / shares, size));
  N2V_ASSIGN_OR_RETURN(uint64_t first_data, internal::FirstDataLineAt(file, size));
  std::vector<Share> out(1);
  out[0].at_file_start = first_data >= begin;
  out[0].lines_before = [path, begin] { return internal::CountLines(path, begin); };
  if (end <= begin) return out;
  out[0].text.resize(end - begin);
  if (fseeko(file, static_cast<off_t>(begin), SEEK_SET) != 0 ||
      std::fread(out[0].text.data(), 1, out[0].text.size(), file) != out[0].text.size()) {
    return absl::DataLossError(absl::StrCat("cannot read '", path, "'"));
  }
  return out;
}

}  // namespace

absl::StatusOr<EdgeList> ReadEdgeList(const std::string& path,
                                      const EdgeListReadOptions& options) {
  N2V_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  return ParseEdgeList({std::move(text), true, nullptr}, path, options);
}

absl::StatusOr<std::vector<int64_t>> ReadNodeList(const std::string& path) {
  N2V_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  return ParseNodeList({std::move(text), true, nullptr}, path);
}

absl::StatusOr<EdgeList> ReadEdgeListShare(const std::string& path,
                                           const EdgeListReadOptions& options,
                                           int share, int shares) {
  N2V_ASSIGN_OR_RETURN(std::vector<Share> parts, ReadShare(path, share, shares));
  EdgeList edges;
  for (Share& part : parts) {
    N2V_ASSIGN_OR_RETURN(EdgeList some, ParseEdgeList(std::move(part), path, options));
    Append(edges.sources, some.sources);
    Append(edges.targets, some.targets);
    Append(edges.weights, some.weights);
  }
  return edges;
}

absl::StatusOr<std::vector<int64_t>> ReadNodeListShare(const std::string& path,
                                                       int share, int shares) {
  N2V_ASSIGN_OR_RETURN(std::vector<Share> parts, ReadShare(path, share, shares));
  std::vector<int64_t> ids;
  for (const Share& part : parts) {
    N2V_ASSIGN_OR_RETURN(std::vector<int64_t> some, ParseNodeList(part, path));
    Append(ids, some);
  }
  return ids;
}

absl::StatusOr<NodePairs> ReadNodePairs(const std::string& path) {
  N2V_ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  std::vector<NodePairs> chunks;
  N2V_RETURN_IF_ERROR(internal::ParseLines(
      text, path, chunks,
      [](const std::string_view* fields, size_t count,
         NodePairs& out) -> std::optional<std::string> {
        int64_t a, b;
        if (auto e = ParseTwoIds(fields, count, a, b)) return e;
        out.sources.push_back(a);
        out.targets.push_back(b);
        return std::nullopt;
      }));
  NodePairs pairs;
  for (auto& chunk : chunks) {
    Append(pairs.sources, chunk.sources);
    Append(pairs.targets, chunk.targets);
  }
  return pairs;
}

}  // namespace n2v::io
