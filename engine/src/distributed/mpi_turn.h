// MpiTurn: one thread at a time in MPI, for a process where a RankWatch's
// thread runs beside a job's (MPI_THREAD_SERIALIZED, which Open MPI's
// nonblocking collectives also need: their progress is not safe from two
// threads at once). A thread that polls MPI in a loop takes a turn per
// poll and gives way between polls, so the watch never waits long.
#ifndef N2V_DISTRIBUTED_MPI_TURN_H_
#define N2V_DISTRIBUTED_MPI_TURN_H_

namespace n2v::distributed {

class MpiTurn {
 public:
  // Waits for this thread's turn.
  MpiTurn();
  ~MpiTurn();
  MpiTurn(const MpiTurn&) = delete;
  MpiTurn& operator=(const MpiTurn&) = delete;

  // Between two polls: lets every thread waiting for a turn take it first.
  static void GiveWay();
};

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_MPI_TURN_H_
