// n2v: command-line entry point; dispatches to the subcommands.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "commands.h"
#include "report.h"
#include "stop_signals.h"

namespace {

constexpr char kUsage[] =
    "usage: n2v <command> [flags]\n"
    "\n"
    "commands:\n"
    "  embed          learn node2vec embeddings from an edge list\n"
    "  edge-features  features of node pairs from an embedding file\n"
    "  walks          the node2vec walks of an edge list, one per line\n"
    "\n"
    "Run 'n2v <command> --help' for the flags of a command.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace n2v::cli;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? kExitUsage : kExitOk;
  }
  const char* command = argv[1];
  RemoveUnfinishedFilesOnStop();
  try {
    if (std::strcmp(command, "embed") == 0) return RunEmbed(argc, argv);
    if (std::strcmp(command, "edge-features") == 0) {
      return RunEdgeFeatures(argc, argv);
    }
    if (std::strcmp(command, "walks") == 0) return RunWalks(argc, argv);
  } catch (const std::bad_alloc&) {
    PrintError(command, "out of memory");
    return kExitFailure;
  } catch (const std::exception& e) {
    PrintError(command, e.what());
    return kExitFailure;
  }
  // One line, like every other error: the usage is one --help away.
  std::fprintf(stderr,
               "n2v: error: unknown command '%s' (expected embed, "
               "edge-features or walks; see n2v --help)\n",
               command);
  return kExitUsage;
}
