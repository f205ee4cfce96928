// RouteRowsToOwners: rows offered anywhere, in pieces of any size and any
// number per rank, reach the rank that owns each id; a repeated id
// or a failing reader fails the call on every rank.
#include "n2v/distributed/route_rows.h"

#include "distributed_test_util.h"
#include "test_util.h"

namespace n2v::testing {
namespace {

using distributed::Communicator;
using distributed::OwnerOf;

constexpr uint32_t kDims = 3;

// The rows of `ids` [begin, end), values fixed by the id.
Embeddings Rows(int64_t begin, int64_t end) {
  std::vector<int64_t> ids;
  for (int64_t id = begin; id < end; ++id) ids.push_back(id * 13 - 500);
  return TestRows(ids, kDims, [](int64_t) { return true; });
}

// Offers `rows` `per_piece` rows at a time.
struct Pieces {
  Pieces(const Embeddings& rows, size_t per_piece) : rows(rows), per_piece(per_piece) {}
  absl::StatusOr<Embeddings> operator()() const {
    if (at >= rows.size()) return Embeddings();
    const size_t end = std::min(rows.size(), at + per_piece);
    Embeddings piece = distributed::RowSlice(rows, at, end);
    at = end;
    return piece;
  }
  const Embeddings& rows;
  size_t per_piece;
  mutable size_t at = 0;
};

TEST(RouteRowsTest, EveryRowReachesItsOwner) {
  const Communicator comm = Communicator::World();
  // Rank r offers ids [1000 r, 1000 r + 37 (r + 1)): uneven counts, uneven pieces.
  const Embeddings mine = Rows(1000 * comm.rank(), 1000 * comm.rank() + 37 * (comm.rank() + 1));
  const Pieces pieces(mine, 5 + comm.rank());
  auto got = distributed::RouteRowsToOwners(comm, kDims, pieces);
  ASSERT_TRUE(got.ok()) << got.status();
  size_t expected = 0;
  for (int r = 0; r < comm.size(); ++r) {
    const Embeddings theirs = Rows(1000 * r, 1000 * r + 37 * (r + 1));
    for (size_t k = 0; k < theirs.size(); ++k) {
      if (OwnerOf(theirs.id(k), comm.size()) != comm.rank()) continue;
      ++expected;
      const auto at = got->Find(theirs.id(k));
      ASSERT_TRUE(at.has_value()) << theirs.id(k);
      for (uint32_t i = 0; i < kDims; ++i) EXPECT_EQ(got->row(*at)[i], theirs.row(k)[i]);
    }
  }
  EXPECT_EQ(got->size(), expected);
}

TEST(RouteRowsTest, OneRankOffersEverything) {
  const Communicator comm = Communicator::World();
  const Embeddings all = Rows(0, 250);
  const Embeddings none;
  const Pieces pieces(comm.rank() == 0 ? all : none, 64);
  auto got = distributed::RouteRowsToOwners(comm, kDims, pieces);
  ASSERT_TRUE(got.ok()) << got.status();
  std::vector<uint64_t> total = {static_cast<uint64_t>(got->size())};
  ASSERT_TRUE(comm.SumAll(std::span<uint64_t>(total)).ok());
  EXPECT_EQ(total[0], 250u);
}

TEST(RouteRowsTest, ARepeatedIdOrAFailingReaderFailsEveryRank) {
  const Communicator comm = Communicator::World();
  const Embeddings same = Rows(0, 10);  // every rank offers the same rows
  const Pieces pieces(same, 4);
  auto repeated = distributed::RouteRowsToOwners(comm, kDims, pieces);
  if (comm.size() > 1) {
    ASSERT_FALSE(repeated.ok());
  } else {
    EXPECT_TRUE(repeated.ok()) << repeated.status();
  }
  const int failing = comm.size() - 1;
  auto failed = distributed::RouteRowsToOwners(comm, kDims, [&]() -> absl::StatusOr<Embeddings> {
    if (comm.rank() == failing) return absl::DataLossError("cannot read part 7");
    return Rows(0, 0);
  });
  ASSERT_FALSE(failed.ok());
  if (comm.rank() == failing) EXPECT_EQ(Message(failed.status()), "cannot read part 7");
}

}  // namespace
}  // namespace n2v::testing
