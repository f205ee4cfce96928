// Whole-file reading (plain or gzip) and a parallel line parser shared by
// the text readers.
#ifndef N2V_IO_TEXT_LINES_H_
#define N2V_IO_TEXT_LINES_H_

#include <charconv>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <oneapi/tbb/parallel_for.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "internal/string_view_compat.h"

namespace n2v::io::internal {

// The whole file, decompressed when it is gzip. NotFound when it cannot be
// opened, DataLoss when decompression fails.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

// Splits a line on runs of spaces, tabs and commas. Returns the field count
// (at most max_fields are stored; the rest are counted but ignored).
inline size_t SplitFields(std::string_view line, std::string_view* fields,
                          size_t max_fields) {
  size_t count = 0, i = 0;
  const auto is_sep = [](char c) { return c == ' ' || c == '\t' || c == ','; };
  while (i < line.size()) {
    while (i < line.size() && is_sep(line[i])) ++i;
    if (i == line.size()) break;
    const size_t start = i;
    while (i < line.size() && !is_sep(line[i])) ++i;
    if (count < max_fields) fields[count] = line.substr(start, i - start);
    ++count;
  }
  return count;
}

// Parses a node id, or returns the reason it is not one.
inline std::optional<std::string> ParseId(std::string_view field,
                                          int64_t& id) {
  // One optional sign: '-', or a '+' (which from_chars does not take).
  std::string_view digits = field;
  if (!digits.empty() && digits[0] == '+') {
    digits.remove_prefix(1);
    if (!digits.empty() && digits[0] == '-') digits = {};  // "+-5"
  }
  const auto [end, ec] =
      std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec == std::errc::result_out_of_range) {
    return absl::StrCat("node id '", ::n2v::internal::Sv(field), "' is outside the 64-bit range");
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return absl::StrCat("node id '", ::n2v::internal::Sv(field), "' is not an integer");
  }
  return std::nullopt;
}

// True for a number, including the '+'-signed ones ParseId accepts (so a
// first line of such ids is not taken for a header).
inline bool LooksNumeric(std::string_view field) {
  if (field.size() > 1 && field[0] == '+' && field[1] != '-') {
    field.remove_prefix(1);
  }
  double value;
  const auto [end, ec] =
      std::from_chars(field.data(), field.data() + field.size(), value);
  return ec == std::errc() && end == field.data() + field.size();
}

inline constexpr size_t kMaxFields = 4;

// A line without the UTF-8 byte order mark that editors and spreadsheet
// exports on Windows put at the start of a text file: it belongs to no
// field, and left in place it made the first id "not an integer".
inline std::string_view WithoutByteOrderMark(std::string_view line) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (line.substr(0, kUtf8Bom.size()) == kUtf8Bom) line.remove_prefix(kUtf8Bom.size());
  return line;
}

// Whether a line (without its '\n' and its byte order mark) holds data:
// it is not blank and not a comment ('#' or '%' first).
inline bool IsDataLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] != '#' && line[first] != '%';
}

// Where the first data line of `text` starts, or npos.
inline size_t FirstDataLine(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    const size_t newline = text.find('\n', at);
    const size_t end = newline == std::string_view::npos ? text.size() : newline;
    if (IsDataLine(WithoutByteOrderMark(text.substr(at, end - at)))) return at;
    at = end + 1;
  }
  return std::string_view::npos;
}

// Parses `text` in parallel chunks. For each data line, calls
// parse(fields, field_count, sink) with the chunk's sink; it returns an error
// reason or nullopt. Returns InvalidArgument "<path>:<line>: <reason>" for
// the first failing line of the file. `sinks` is resized to the chunk count;
// concatenating them in order gives the file's records in order.
//
// `at_file_start`: no data line of the file comes before `text` (only then
// may its first data line be a header); `lines_before` counts the file's
// lines before `text`, asked only when a line fails, for its line number.
template <typename Sink, typename ParseFn>
absl::Status ParseLines(std::string_view text, const std::string& path,
                        std::vector<Sink>& sinks, ParseFn parse,
                        bool at_file_start = true,
                        std::function<uint64_t()> lines_before = nullptr) {
  constexpr size_t kChunkBytes = size_t{4} << 20;
  std::vector<size_t> starts{0};
  while (starts.back() + kChunkBytes < text.size()) {
    const size_t newline = text.find('\n', starts.back() + kChunkBytes);
    if (newline == std::string_view::npos) break;
    starts.push_back(newline + 1);
  }
  const size_t chunks = starts.size();
  starts.push_back(text.size());
  sinks.assign(chunks, Sink{});
  std::vector<uint64_t> lines(chunks, 0);
  struct Failure {
    uint64_t line = 0;
    std::string reason;
  };
  std::vector<std::optional<Failure>> failures(chunks);
  // The one line that may be a header: the file's first data line.
  const size_t header_at = at_file_start ? FirstDataLine(text) : std::string_view::npos;

  tbb::parallel_for(size_t{0}, chunks, [&](size_t c) {
    std::string_view rest = text.substr(starts[c], starts[c + 1] - starts[c]);
    uint64_t line_no = 0;
    while (!rest.empty()) {
      const size_t line_at = static_cast<size_t>(rest.data() - text.data());
      const size_t newline = rest.find('\n');
      std::string_view line = rest.substr(0, newline);
      rest.remove_prefix(newline == std::string_view::npos ? rest.size()
                                                           : newline + 1);
      const uint64_t this_line = line_no++;
      line = WithoutByteOrderMark(line);
      if (!IsDataLine(line)) continue;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      std::string_view fields[kMaxFields];
      const size_t count = SplitFields(line, fields, kMaxFields);
      if (line_at == header_at) {
        bool any_numeric = false;
        for (size_t i = 0; i < std::min(count, kMaxFields); ++i) {
          any_numeric |= LooksNumeric(fields[i]);
        }
        if (!any_numeric) continue;
      }
      if (auto reason = parse(fields, count, sinks[c])) {
        failures[c] = Failure{this_line, std::move(*reason)};
        return;
      }
    }
    lines[c] = line_no;
  });

  uint64_t before = 0;
  for (size_t c = 0; c < chunks; ++c) {
    if (failures[c]) {
      if (lines_before) before += lines_before();
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", before + failures[c]->line + 1, ": ",
          failures[c]->reason));
    }
    before += lines[c];
  }
  return absl::OkStatus();
}

}  // namespace n2v::io::internal

#endif  // N2V_IO_TEXT_LINES_H_
