// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-23T05:40:01.123Z","level":"info","event":"job_finished",
//    "job_id":"job-3f2a","seconds":1.52,"outcome":"SUCCEEDED"}
//
// Thread safety: Log may be called from any thread; lines never interleave.
#ifndef N2V_SIDECAR_LOG_H_
#define N2V_SIDECAR_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace n2v::sidecar {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view name);
void SetLogLevel(LogLevel level);

// A key and its value already rendered as JSON.
struct LogField {
  LogField(std::string_view key, std::string_view value);  // string
  LogField(std::string_view key, const std::string& value);
  LogField(std::string_view key, const char* value);
  LogField(std::string_view key, int64_t value);
  LogField(std::string_view key, uint64_t value);
  LogField(std::string_view key, int value);
  LogField(std::string_view key, uint32_t value);
  LogField(std::string_view key, double value);
  LogField(std::string_view key, bool value);
  std::string key;
  std::string json;
};

void Log(LogLevel level, std::string_view event,
         std::initializer_list<LogField> fields = {});

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_LOG_H_
