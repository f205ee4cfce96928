// What n2v and n2v-mpi do when told to stop (SIGTERM from an orchestrator,
// SIGINT from Ctrl-C, SIGHUP from a closed terminal): remove the output
// files they were writing, then end as the signal would have ended them.
#ifndef N2V_CLI_STOP_SIGNALS_H_
#define N2V_CLI_STOP_SIGNALS_H_

namespace n2v::cli {

// Installs the handler. Call once, before any output is opened (for
// n2v-mpi, after MPI is started, so that the handler is the last word).
void RemoveUnfinishedFilesOnStop();

}  // namespace n2v::cli

#endif  // N2V_CLI_STOP_SIGNALS_H_
