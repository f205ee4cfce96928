// n2v-mpi: the n2v commands for a graph split across the ranks of an MPI
// job (`mpirun -np N n2v-mpi <command> ...`). Every rank runs the same
// command line; rank 0 reports.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "commands.h"
#include "mpi_commands.h"
#include "n2v/distributed/communicator.h"
#include "stop_signals.h"

namespace {

constexpr char kUsage[] =
    "usage: mpirun -np N n2v-mpi <command> [flags]\n"
    "\n"
    "commands:\n"
    "  embed   learn node2vec embeddings, graph and model split across ranks\n"
    "  walks   the node2vec walks, the same lines as 'n2v walks'\n"
    "\n"
    "Run 'n2v-mpi <command> --help' for the flags of a command.\n";

int Dispatch(const n2v::distributed::Communicator& comm, int argc, char** argv) {
  using namespace n2v::cli;
  const char* command = argv[1];
  if (std::strcmp(command, "walks") == 0) return RunMpiWalks(comm, argc, argv);
  if (std::strcmp(command, "embed") == 0) return RunMpiEmbed(comm, argc, argv);
  if (comm.rank() == 0) {
    std::fprintf(stderr,
                 "n2v-mpi: error: unknown command '%s' (expected embed or "
                 "walks; see n2v-mpi --help)\n",
                 command);
  }
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace n2v::cli;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  auto session = n2v::distributed::MpiSession::Start(&argc, &argv);
  if (!session.ok()) {
    std::fprintf(stderr, "n2v-mpi: error: %s\n",
                 std::string(session.status().message()).c_str());
    return kExitFailure;
  }
  RemoveUnfinishedFilesOnStop();
  const auto comm = n2v::distributed::Communicator::World();
  try {
    return Dispatch(comm, argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "n2v-mpi %s: error: rank %d ran out of memory\n", argv[1],
                 comm.rank());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "n2v-mpi %s: error: rank %d: %s\n", argv[1], comm.rank(),
                 e.what());
  }
  // The other ranks may be inside a collective call: end the job.
  n2v::distributed::AbortJob(kExitFailure);
  return kExitFailure;
}
