// The lines `n2v embed` and `n2v-mpi embed` print about a re-embedding:
// where the warm start came from, and how far the aligned result drifted.
#ifndef N2V_CLI_REEMBED_REPORT_H_
#define N2V_CLI_REEMBED_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "n2v/embed_options.h"
#include "n2v/reembed.h"

namespace n2v::cli {

// "<program>: warm start from <init>: ..." with the rows copied and seeded
// and the learning rates the run trained at.
void PrintWarmStart(std::string_view program, const std::string& init,
                    uint64_t copied, uint64_t seeded, const EmbedOptions& resolved);

// "<program>: aligned to <target>: ..." when the report says it aligned.
void PrintDrift(std::string_view program, const std::string& target,
                const ReembedReport& report);

}  // namespace n2v::cli

#endif  // N2V_CLI_REEMBED_REPORT_H_
