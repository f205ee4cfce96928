// JSON-lines logger.
#include "log.h"

#include <atomic>
#include <cmath>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace n2v::sidecar {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_write_mutex;

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
  return out;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("log level must be debug, info, warning or error, got '",
                   name, "'"));
}

void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }

LogField::LogField(std::string_view k, std::string_view v)
    : key(k), json(Quote(v)) {}
LogField::LogField(std::string_view k, const std::string& v)
    : key(k), json(Quote(v)) {}
LogField::LogField(std::string_view k, const char* v) : key(k), json(Quote(v)) {}
LogField::LogField(std::string_view k, int64_t v)
    : key(k), json(absl::StrCat(v)) {}
LogField::LogField(std::string_view k, uint64_t v)
    : key(k), json(absl::StrCat(v)) {}
LogField::LogField(std::string_view k, int v) : key(k), json(absl::StrCat(v)) {}
LogField::LogField(std::string_view k, uint32_t v)
    : key(k), json(absl::StrCat(v)) {}
LogField::LogField(std::string_view k, double v)
    : key(k), json(std::isfinite(v) ? absl::StrFormat("%.6g", v) : "null") {}
LogField::LogField(std::string_view k, bool v)
    : key(k), json(v ? "true" : "false") {}

void Log(LogLevel level, std::string_view event,
         std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < g_level.load(std::memory_order_relaxed)) return;
  std::string line = absl::StrCat(
      "{\"ts\":",
      Quote(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(),
                             absl::UTCTimeZone())),
      ",\"level\":\"", LevelName(level), "\",\"event\":", Quote(event));
  for (const LogField& f : fields) {
    absl::StrAppend(&line, ",", Quote(f.key), ":", f.json);
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(g_write_mutex);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace n2v::sidecar
