// GoogleTest main for suites run under mpirun: MPI for the whole run, the
// report printed by rank 0 only, and one verdict for every rank (a failure
// on any rank fails the job on all, so mpirun's exit status tells).
#include <cstdio>

#include "gtest/gtest.h"
#include "n2v/distributed/communicator.h"

namespace {

// The failures of ranks other than 0, each line naming the rank.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "rank %d: %s:%d: Failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.summary());
  }

 private:
  int rank_;
};

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto session = n2v::distributed::MpiSession::Start(
      &argc, &argv, n2v::distributed::MpiSession::Threads::kSerialized);
  if (!session.ok()) return 1;
  const auto comm = n2v::distributed::Communicator::World();
  if (comm.rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    listeners.Append(new RankFailurePrinter(comm.rank()));
  }
  const int mine = RUN_ALL_TESTS();
  std::vector<uint64_t> failed = {mine == 0 ? 0u : 1u};
  if (!comm.SumAll(std::span<uint64_t>(failed)).ok()) return 1;
  if (failed[0] != 0 && mine == 0) {
    std::fprintf(stderr, "rank %d: passed here, failed on %llu other rank(s)\n",
                 comm.rank(), static_cast<unsigned long long>(failed[0]));
  }
  return failed[0] == 0 ? 0 : 1;
}
