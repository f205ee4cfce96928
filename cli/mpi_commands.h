// The n2v-mpi subcommands, run on every rank of an MPI job. Each returns
// the exit code, the same on every rank (commands.h's codes).
#ifndef N2V_CLI_MPI_COMMANDS_H_
#define N2V_CLI_MPI_COMMANDS_H_

#include "n2v/distributed/communicator.h"

namespace n2v::cli {

int RunMpiWalks(const distributed::Communicator& comm, int argc, char** argv);
int RunMpiEmbed(const distributed::Communicator& comm, int argc, char** argv);

}  // namespace n2v::cli

#endif  // N2V_CLI_MPI_COMMANDS_H_
