// The job's one error report.
#include "mpi_report.h"

#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commands.h"

namespace n2v::cli {
namespace {

// A rank that only learned of another's failure (distributed code returns
// Aborted for that) has nothing of its own to report.
bool OwnFailure(const absl::Status& status) {
  return !status.ok() && status.code() != absl::StatusCode::kAborted;
}

}  // namespace

int FinishCommand(const distributed::Communicator& comm, std::string_view command,
                  const absl::Status& status, int failure_code) {
  std::vector<std::string> out(comm.size()), in;
  if (!status.ok()) {
    out[0] = absl::StrCat(OwnFailure(status) ? "1" : "0", status.message());
  }
  std::vector<uint64_t> failed = {status.ok() ? 0u : 1u};
  const absl::Status exchanged = comm.AllToAll(out, &in);
  const absl::Status summed = comm.SumAll(std::span<uint64_t>(failed));
  if (!exchanged.ok() || !summed.ok()) {
    std::fprintf(stderr, "n2v-mpi %.*s: error: %s\n", static_cast<int>(command.size()),
                 command.data(), std::string((exchanged.ok() ? summed : exchanged).message()).c_str());
    return failure_code;
  }
  if (failed[0] == 0) return kExitOk;
  if (comm.rank() != 0) return failure_code;
  int chosen = -1;
  for (int r = 0; r < comm.size(); ++r) {
    if (in[r].empty()) continue;
    if (chosen < 0 || (in[r][0] == '1' && in[chosen][0] == '0')) chosen = r;
  }
  const std::string where = chosen > 0 ? absl::StrCat("rank ", chosen, ": ") : "";
  std::fprintf(stderr, "n2v-mpi %.*s: error: %s%s\n", static_cast<int>(command.size()),
               command.data(), where.c_str(), in[chosen].c_str() + 1);
  return failure_code;
}

}  // namespace n2v::cli
