// RemoveUnfinishedFilesOnStop: a handler that does only async-signal-safe
// work and then lets the signal end the process.
#include "stop_signals.h"

#include <signal.h>

#include "n2v/io/replacing_file.h"

namespace n2v::cli {
namespace {

void OnStop(int signal) {
  n2v::io::RemoveUnfinishedFiles();
  // The handler was reset on entry (SA_RESETHAND), so the signal, delivered
  // once this returns, ends the process with its usual status.
  ::raise(signal);
}

}  // namespace

void RemoveUnfinishedFilesOnStop() {
  struct sigaction action = {};
  action.sa_handler = OnStop;
  action.sa_flags = SA_RESETHAND;
  sigemptyset(&action.sa_mask);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) {
    // A signal ignored by the parent (nohup) stays ignored.
    struct sigaction previous = {};
    if (::sigaction(signal, nullptr, &previous) == 0 && previous.sa_handler == SIG_IGN) {
      continue;
    }
    ::sigaction(signal, &action, nullptr);
  }
}

}  // namespace n2v::cli
