// One-line messages of the CLI on stderr.
#ifndef N2V_CLI_REPORT_H_
#define N2V_CLI_REPORT_H_

#include <cstdio>
#include <string_view>

#include "absl/status/status.h"

namespace n2v::cli {

// "n2v <command>: error: <message>" on one line.
inline void PrintError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "n2v %.*s: error: %.*s\n",
               static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
}

inline void PrintError(std::string_view command, const absl::Status& status) {
  PrintError(command, std::string_view(status.message().data(),
                                       status.message().size()));
}

}  // namespace n2v::cli

#endif  // N2V_CLI_REPORT_H_
