// Communicator::Exchange: every rank's buffer for every rank arrives whole
// and in place, empty ones and ones of many pieces too, on a plain and on
// a watched communicator, at any rank count.
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/distributed/communicator.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::RankLoss;

// What rank `from` sends rank `to`: a length and bytes fixed by the pair
// (some empty).
std::string Payload(int from, int to) {
  const size_t length = static_cast<size_t>((from * 7 + to * 3) % 11) * 5;
  std::string bytes(length, '\0');
  for (size_t i = 0; i < length; ++i) {
    bytes[i] = static_cast<char>('a' + (from * 31 + to * 17 + i) % 26);
  }
  return bytes;
}

void ExpectEveryPayloadArrives(const Communicator& comm, uint64_t piece) {
  std::vector<std::string> out;
  for (int to = 0; to < comm.size(); ++to) out.push_back(Payload(comm.rank(), to));
  std::vector<std::string> in;
  ASSERT_TRUE(comm.Exchange(std::move(out), &in, piece).ok());
  ASSERT_EQ(in.size(), static_cast<size_t>(comm.size()));
  for (int from = 0; from < comm.size(); ++from) {
    EXPECT_EQ(in[from], Payload(from, comm.rank()))
        << "from rank " << from << " in pieces of " << piece;
  }
}

TEST(ExchangeTest, EveryBufferArrivesWholeInAnyPieceSize) {
  const Communicator comm = Communicator::World();
  for (uint64_t piece : {uint64_t{1}, uint64_t{4}, uint64_t{17}, uint64_t{1} << 30}) {
    ExpectEveryPayloadArrives(comm, piece);
  }
}

TEST(ExchangeTest, AWatchedCommunicatorExchangesTheSame) {
  const Communicator comm = Communicator::World().Watched(std::make_shared<RankLoss>());
  ExpectEveryPayloadArrives(comm, 3);
}

TEST(ExchangeTest, BytesSentCountOnlyOtherRanks) {
  const Communicator comm = Communicator::World();
  uint64_t expected = 0;
  std::vector<std::string> out;
  for (int to = 0; to < comm.size(); ++to) {
    out.push_back(Payload(comm.rank(), to));
    if (to != comm.rank()) expected += out.back().size();
  }
  const uint64_t before = comm.bytes_sent();
  std::vector<std::string> in;
  ASSERT_TRUE(comm.Exchange(std::move(out), &in).ok());
  EXPECT_EQ(comm.bytes_sent() - before, expected);
}

}  // namespace
}  // namespace n2v::testing
