// How n2v-mpi ends a command: one report for the whole job, on rank 0.
#ifndef N2V_CLI_MPI_REPORT_H_
#define N2V_CLI_MPI_REPORT_H_

#include <string_view>

#include "absl/status/status.h"
#include "n2v/distributed/communicator.h"

namespace n2v::cli {

// Collective. Every rank passes its outcome; rank 0 prints the first
// failure ("n2v-mpi <command>: error: [rank r: ]message"), preferring a
// rank's own error to a peer's report that another rank failed. Returns
// the exit code, the same on every rank: kExitOk, or `failure_code`.
int FinishCommand(const distributed::Communicator& comm, std::string_view command,
                  const absl::Status& status, int failure_code);

}  // namespace n2v::cli

#endif  // N2V_CLI_MPI_REPORT_H_
