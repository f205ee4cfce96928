// ProgressLine implementation.
#include "progress_line.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"

namespace n2v::cli {

ProgressLine::ProgressLine(bool wanted)
    : enabled_(wanted && ::isatty(STDERR_FILENO)) {}

ProgressLine::~ProgressLine() {
  if (drawn_) std::fputs("\n", stderr);
}

void ProgressLine::Update(const EmbedProgress& p) {
  if (!enabled_) return;
  std::string line = absl::StrFormat(
      "\rn2v: %-8s %5.1f%% | %7.2fM nodes/s", std::string(EmbedPhaseName(p.phase)),
      100.0 * p.fraction, p.nodes_per_second / 1e6);
  if (p.phase != EmbedPhase::kCounting) {
    absl::StrAppendFormat(&line, " | loss %.4f", p.loss);
  }
  if (p.overall > 0 && p.overall < 1) {
    absl::StrAppendFormat(&line, " | ETA %.0fs",
                          p.elapsed_seconds * (1 - p.overall) / p.overall);
  }
  line += "    ";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace n2v::cli
