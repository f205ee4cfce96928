// The re-embedding lines of the CLI, on stderr.
#include "reembed_report.h"

#include <cstdio>

namespace n2v::cli {

void PrintWarmStart(std::string_view program, const std::string& init,
                    uint64_t copied, uint64_t seeded, const EmbedOptions& resolved) {
  std::fprintf(stderr,
               "%.*s: warm start from %s: %llu nodes from their vectors, %llu "
               "from their neighbours'; learning rate %g to %g\n",
               static_cast<int>(program.size()), program.data(), init.c_str(),
               static_cast<unsigned long long>(copied),
               static_cast<unsigned long long>(seeded), resolved.initial_learning_rate,
               resolved.min_learning_rate);
}

void PrintDrift(std::string_view program, const std::string& target,
                const ReembedReport& report) {
  if (!report.aligned) return;
  const DriftStats& d = report.drift;
  std::fprintf(stderr,
               "%.*s: aligned to %s: %llu shared nodes (%llu added, %llu "
               "removed), drift mean %.4f, p95 %.4f, max %.4f\n",
               static_cast<int>(program.size()), program.data(), target.c_str(),
               static_cast<unsigned long long>(d.shared_nodes),
               static_cast<unsigned long long>(d.added_nodes),
               static_cast<unsigned long long>(d.removed_nodes), d.mean, d.p95, d.max);
}

}  // namespace n2v::cli
