// FlagSet implementation.
#include "flags.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"

namespace n2v::cli {
namespace {

template <typename Number>
absl::Status ParseNumber(const std::string& flag, const std::string& text,
                         Number* out) {
  constexpr bool kUnsigned = std::is_unsigned_v<Number>;
  constexpr absl::string_view kind =
      kUnsigned ? "a non-negative integer"
                : (std::is_integral_v<Number> ? "an integer" : "a number");
  auto refuse = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " must be ", kind,
        ", got '", text, "'"));
  };
  if (kUnsigned && !text.empty() && text[0] == '-') return refuse();
  Number value{};
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec == std::errc::result_out_of_range) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " is out of range, got '", text, "'"));
  }
  if (text.empty() || ec != std::errc() || ptr != end) return refuse();
  *out = value;
  return absl::OkStatus();
}

}  // namespace

void FlagSet::Add(Flag flag) { flags_.push_back(std::move(flag)); }

void FlagSet::AddString(std::string name, std::string* out, std::string help) {
  Add({name, std::move(help), *out, true, [out](const std::string& v) {
         *out = v;
         return absl::OkStatus();
       }});
}

template <typename Number>
void FlagSet::AddNumber(std::string name, Number* out, std::string help) {
  Add({name, std::move(help), absl::StrCat(*out), true,
       [name, out](const std::string& v) { return ParseNumber(name, v, out); }});
}

template void FlagSet::AddNumber(std::string, uint32_t*, std::string);
template void FlagSet::AddNumber(std::string, uint64_t*, std::string);
template void FlagSet::AddNumber(std::string, int*, std::string);
template void FlagSet::AddNumber(std::string, float*, std::string);
template void FlagSet::AddNumber(std::string, double*, std::string);

void FlagSet::AddSwitch(std::string name, bool* out, bool value,
                        std::string help) {
  Add({name, std::move(help), *out == value ? "default" : "", false,
       [out, value](const std::string&) {
         *out = value;
         return absl::OkStatus();
       }});
}

absl::Status FlagSet::Parse(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 || arg.size() == 2) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument '", arg, "' (flags start with --)"));
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    std::replace(name.begin(), name.end(), '_', '-');
    auto it = std::find_if(flags_.begin(), flags_.end(),
                           [&](const Flag& f) { return f.name == name; });
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", name, " (see ", program_, " ", command_, " --help)"));
    }
    if (!it->takes_value) {
      if (inline_value) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value"));
      }
    } else if (!inline_value) {
      // "--output --dimensions 16" forgot the value of --output; taking
      // "--dimensions" as a file name would only confuse the next error.
      // (Negative numbers start with a single '-'; a value that really
      // starts with "--" can be given as --name=VALUE.)
      if (i + 1 >= argc || std::string_view(argv[i + 1]).rfind("--", 0) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      value = argv[++i];
    }
    if (absl::Status s = it->set(value); !s.ok()) return s;
    set_.push_back(name);
  }
  return absl::OkStatus();
}

bool FlagSet::WasSet(const std::string& name) const {
  return std::find(set_.begin(), set_.end(), name) != set_.end();
}

std::string FlagSet::Usage() const {
  std::string out = absl::StrCat("usage: ", program_, " ", command_, " [flags]\n\nflags:\n");
  auto left_column = [](const Flag& f) {
    return absl::StrCat("  --", f.name, f.takes_value ? " VALUE" : "");
  };
  size_t width = 0;
  for (const Flag& f : flags_) width = std::max(width, left_column(f).size());
  for (const Flag& f : flags_) {
    std::string left = left_column(f);
    left.resize(width + 2, ' ');
    absl::StrAppend(&out, left, f.help);
    if (f.takes_value && !f.default_text.empty()) {
      absl::StrAppend(&out, " (default ", f.default_text, ")");
    } else if (!f.takes_value && f.default_text == "default") {
      absl::StrAppend(&out, " (default)");
    }
    out.push_back('\n');
  }
  absl::StrAppend(&out, "\nValues go as --name VALUE or --name=VALUE.\n");
  return out;
}

}  // namespace n2v::cli
