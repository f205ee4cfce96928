// A watched communicator once its loss is reported: every call returns the
// loss at once, naming the rank, without calling MPI (a call that did would
// hang here, since the other ranks make no matching call). The first
// report wins. (A real rank that dies: rank_loss_main.cc.)
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/distributed/communicator.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::RankLoss;

TEST(WatchedCommunicatorTest, AReportedLossFailsEveryCallWithoutMpi) {
  auto loss = std::make_shared<RankLoss>();
  EXPECT_FALSE(loss->happened());
  EXPECT_TRUE(loss->status().ok());
  loss->Report(3, 4, "no heartbeat for 10s");
  loss->Report(1, 4, "a later report");
  ASSERT_TRUE(loss->happened());
  EXPECT_EQ(loss->status(),
            absl::UnavailableError("rank 3 of 4 stopped answering: no heartbeat for 10s"));

  // Only this rank calls: matching calls on the others would be needed if
  // MPI were reached.
  const Communicator comm = Communicator::World().Watched(loss);
  std::vector<std::string> in;
  EXPECT_EQ(comm.AllToAll(std::vector<std::string>(comm.size(), "x"), &in), loss->status());
  EXPECT_EQ(comm.Exchange(std::vector<std::string>(comm.size(), "x"), &in), loss->status());
  std::string all;
  std::vector<size_t> offsets;
  EXPECT_EQ(comm.AllGather("x", &all, &offsets), loss->status());
  std::vector<uint64_t> values(1, 1);
  EXPECT_EQ(comm.SumAll(std::span<uint64_t>(values)), loss->status());
  std::string bytes = "x";
  EXPECT_EQ(comm.Broadcast(&bytes, 0), loss->status());
  EXPECT_EQ(comm.BroadcastPatiently(&bytes, 0), loss->status());
  char buffer[1] = {'x'};
  EXPECT_EQ(comm.ShiftInPlace(buffer, 1, 1, 0, 0, 1).status(), loss->status());
  EXPECT_EQ(comm.Send(0, 1, "x"), loss->status());
  EXPECT_EQ(comm.Receive(0, 1).status(), loss->status());
  EXPECT_EQ(comm.Barrier(), loss->status());
}

}  // namespace
}  // namespace n2v::testing
