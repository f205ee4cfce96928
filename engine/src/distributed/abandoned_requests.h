// Whether this process has abandoned MPI requests: a rank was lost while
// they were pending (RankWatch, watched communicators). MPI_Finalize would
// then wait for the lost rank, so MpiSession skips it.
#ifndef N2V_DISTRIBUTED_ABANDONED_REQUESTS_H_
#define N2V_DISTRIBUTED_ABANDONED_REQUESTS_H_

namespace n2v::distributed {

void MarkRequestsAbandoned();
bool RequestsAbandoned();

}  // namespace n2v::distributed

#endif  // N2V_DISTRIBUTED_ABANDONED_REQUESTS_H_
