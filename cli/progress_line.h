// ProgressLine: a single self-overwriting status line on stderr, shown only
// when stderr is a terminal.
#ifndef N2V_CLI_PROGRESS_LINE_H_
#define N2V_CLI_PROGRESS_LINE_H_

#include "n2v/embed.h"

namespace n2v::cli {

class ProgressLine {
 public:
  // Enabled when `wanted` and stderr is a terminal.
  explicit ProgressLine(bool wanted);
  ~ProgressLine();

  bool enabled() const { return enabled_; }
  void Update(const EmbedProgress& progress);

 private:
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace n2v::cli

#endif  // N2V_CLI_PROGRESS_LINE_H_
