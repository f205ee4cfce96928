// The collectives for large buffers: Communicator::Exchange (every rank's
// buffer for every rank), AllToAll past its most for one call, and
// AllGatherInto past its piece size (every rank's part, around the ring)
// deliver every byte in place, empty parts and parts of many pieces too,
// on a plain and on a watched communicator, at any rank count;
// DeterministicSum adds in rank order, and MaxAll takes values for unsigned.
#include <algorithm>
#include <memory>
#include <span>
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

// AllToAll goes pairwise on every rank when one rank's side passes the
// most for one call: at one byte below the largest side only that rank's
// side does (at 2 ranks and more), and at the largest none does.
TEST(AllToAllTest, EveryRankGoesPairwiseWhenOneRanksSideIsTooLarge) {
  const Communicator comm = Communicator::World();
  uint64_t largest_side = 0;
  for (int a = 0; a < comm.size(); ++a) {
    uint64_t sends = 0, receives = 0;
    for (int b = 0; b < comm.size(); ++b) {
      sends += Payload(a, b).size();
      receives += Payload(b, a).size();
    }
    largest_side = std::max({largest_side, sends, receives});
  }
  for (uint64_t most : {largest_side - 1, largest_side, uint64_t{0}}) {
    std::vector<std::string> out, in;
    for (int to = 0; to < comm.size(); ++to) out.push_back(Payload(comm.rank(), to));
    ASSERT_TRUE(comm.AllToAll(out, &in, most).ok());
    ASSERT_EQ(in.size(), static_cast<size_t>(comm.size()));
    for (int from = 0; from < comm.size(); ++from) {
      EXPECT_EQ(in[from], Payload(from, comm.rank())) << "from rank " << from << ", most " << most;
    }
  }
}

// DeterministicSum adds each element in rank order, whatever MPI's own
// reductions do: the bits equal a sum made here, rank 0's value first.
TEST(DeterministicSumTest, EveryRankGetsTheRankOrderSum) {
  for (const Communicator& comm :
       {Communicator::World(), Communicator::World().Watched(std::make_shared<RankLoss>())}) {
    auto value = [](int rank, size_t i) {
      return (rank % 2 == 0 ? 1e16 : 1.0) * static_cast<double>(i + 1) + 0.1 * rank;
    };
    std::vector<double> values(37);
    for (size_t i = 0; i < values.size(); ++i) values[i] = value(comm.rank(), i);
    ASSERT_TRUE(comm.DeterministicSum(std::span<double>(values)).ok());
    for (size_t i = 0; i < values.size(); ++i) {
      double expected = 0;
      for (int r = 0; r < comm.size(); ++r) expected += value(r, i);
      EXPECT_EQ(values[i], expected) << "element " << i;
    }
  }
}

// MaxAll takes its values for unsigned, the top bit included (MPICH 4.0's
// MPI_MAX on MPI_UINT64_T made the maximum of 2^63 + 5 and 0 come out 0).
TEST(MaxAllTest, ValuesWithTheTopBitSetAreTheLargest) {
  for (const Communicator& comm :
       {Communicator::World(), Communicator::World().Watched(std::make_shared<RankLoss>())}) {
    const bool last = comm.rank() == comm.size() - 1;
    std::vector<uint64_t> values = {last ? (uint64_t{1} << 63) + 5 : 3,
                                    last ? 0 : UINT64_MAX, static_cast<uint64_t>(comm.rank())};
    ASSERT_TRUE(comm.MaxAll(std::span<uint64_t>(values)).ok());
    const uint64_t second = comm.size() > 1 ? UINT64_MAX : 0;
    EXPECT_EQ(values, (std::vector<uint64_t>{(uint64_t{1} << 63) + 5, second,
                                             static_cast<uint64_t>(comm.size() - 1)}));
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

// Gathers every rank's Payload(rank, 0) in pieces of `piece` bytes.
void ExpectEveryPartGathered(const Communicator& comm, uint64_t piece) {
  const std::string mine = Payload(comm.rank(), 0);
  std::string all;
  std::vector<size_t> offsets;
  ASSERT_TRUE(comm.AllGatherInto(
                      {mine.data(), mine.size()},
                      [&](uint64_t total) {
                        all.resize(total);
                        return all.data();
                      },
                      &offsets, piece)
                  .ok());
  ASSERT_EQ(offsets.size(), static_cast<size_t>(comm.size()) + 1);
  for (int r = 0; r < comm.size(); ++r) {
    EXPECT_EQ(all.substr(offsets[r], offsets[r + 1] - offsets[r]), Payload(r, 0))
        << "rank " << r << "'s part in pieces of " << piece;
  }
}

TEST(AllGatherTest, PartsGoAroundTheRingInPiecesAndLandInPlace) {
  const Communicator comm = Communicator::World();
  for (uint64_t piece : {uint64_t{1}, uint64_t{4}, uint64_t{17}, uint64_t{1} << 30}) {
    ExpectEveryPartGathered(comm, piece);
  }
  ExpectEveryPartGathered(Communicator::World().Watched(std::make_shared<RankLoss>()), 3);
}

TEST(AllGatherTest, TheRingCountsTheBytesEachRankPassesOn) {
  const Communicator comm = Communicator::World();
  uint64_t others = 0;
  for (int r = 0; r < comm.size(); ++r) {
    // Each rank passes on every part but the one its next rank owns.
    if (r != (comm.rank() + 1) % comm.size()) others += Payload(r, 0).size();
  }
  if (comm.size() == 1) others = 0;
  const uint64_t before = comm.bytes_sent();
  ExpectEveryPartGathered(comm, 2);
  EXPECT_EQ(comm.bytes_sent() - before, others);
}

}  // namespace
}  // namespace n2v::testing
