// Byte-size parsing.
#include "n2v/byte_size.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace n2v {

absl::StatusOr<uint64_t> ParseByteSize(std::string_view text) {
  const std::string original(text);
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) ||
                             text[i] == '.')) {
    ++i;
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + i, number);
  std::string unit = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(absl::string_view(text.data() + i, text.size() - i)));
  double scale = -1;
  if (unit.empty() || unit == "b") scale = 1;
  if (unit == "kb") scale = 1e3;
  if (unit == "mb") scale = 1e6;
  if (unit == "gb") scale = 1e9;
  if (unit == "tb") scale = 1e12;
  if (unit == "kib" || unit == "k") scale = 1024.0;
  if (unit == "mib" || unit == "m") scale = 1024.0 * 1024;
  if (unit == "gib" || unit == "g") scale = 1024.0 * 1024 * 1024;
  if (unit == "tib" || unit == "t") scale = 1024.0 * 1024 * 1024 * 1024;
  if (i == 0 || ec != std::errc() || end != text.data() + i || scale < 0 ||
      !std::isfinite(number * scale) || number * scale >= 1.8e19) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a size like 512MiB or 8GiB, got '", original, "'"));
  }
  return static_cast<uint64_t>(number * scale);
}

}  // namespace n2v
