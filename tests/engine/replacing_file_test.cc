// ReplacingFile: a file appears whole or not at all; writers of one path
// never share a temporary file; RemoveUnfinishedFiles (what a stop signal's
// handler calls) removes exactly the files still being written.
#include "n2v/io/replacing_file.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "test_util.h"

namespace n2v::io {
namespace {

using ::n2v::testing::ListDir;
using ::n2v::testing::Message;
using ::n2v::testing::ScratchDir;

std::string Contents(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ReplacingFileTest, CommitReplacesTheOldFileWhole) {
  ScratchDir dir;
  const std::string path = dir.Write("out.txt", "old\n");
  absl::StatusOr<ReplacingFile> file = ReplacingFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->Write("new ").ok());
  ASSERT_TRUE(file->Write("contents\n").ok());
  // Until the commit, readers see the old file.
  EXPECT_EQ(Contents(path), "old\n");
  EXPECT_EQ(ListDir(dir.path()).size(), 2u);
  ASSERT_TRUE(file->Flush().ok());
  ASSERT_TRUE(file->Commit().ok());
  EXPECT_EQ(Contents(path), "new contents\n");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"out.txt"});
  // Once committed, it cannot be written again.
  EXPECT_EQ(file->Write("x").code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(file->Commit().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ReplacingFileTest, DiscardedOrDestroyedLeavesTheOldFile) {
  ScratchDir dir;
  const std::string path = dir.Write("out.txt", "old\n");
  {
    absl::StatusOr<ReplacingFile> file = ReplacingFile::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->Write("half").ok());
    file->Discard();
    EXPECT_EQ(file->stream(), nullptr);
  }
  {
    absl::StatusOr<ReplacingFile> file = ReplacingFile::Create(path);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->Write("half").ok());
    ReplacingFile moved = std::move(*file);  // the temporary follows the move
    ASSERT_TRUE(moved.Write(" more").ok());
  }
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"out.txt"});
  EXPECT_EQ(Contents(path), "old\n");
}

TEST(ReplacingFileTest, ErrorsNameThePath) {
  ScratchDir dir;
  const std::string missing = dir.File("no/such/out.txt");
  absl::StatusOr<ReplacingFile> file = ReplacingFile::Create(missing);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Message(file.status()),
            "cannot write '" + missing + "': No such file or directory");

  // Renaming onto a directory fails at the commit, which removes the file.
  const std::string taken = dir.File("taken");
  std::filesystem::create_directory(taken);
  file = ReplacingFile::Create(taken);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(file->Write("rows\n").ok());
  const absl::Status committed = file->Commit();
  EXPECT_EQ(committed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Message(committed), "cannot write '" + taken + "': Is a directory");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"taken"});
}

TEST(ReplacingFileTest, TwoWritersOfOnePathEachHaveTheirOwnFile) {
  ScratchDir dir;
  const std::string path = dir.File("out.txt");
  absl::StatusOr<ReplacingFile> first = ReplacingFile::Create(path);
  absl::StatusOr<ReplacingFile> second = ReplacingFile::Create(path);
  ASSERT_TRUE(first.ok() && second.ok());
  ASSERT_TRUE(first->Write("first\n").ok());
  ASSERT_TRUE(second->Write("second\n").ok());
  EXPECT_EQ(ListDir(dir.path()).size(), 2u);
  ASSERT_TRUE(first->Commit().ok());
  ASSERT_TRUE(second->Commit().ok());
  EXPECT_EQ(Contents(path), "second\n");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"out.txt"});
}

TEST(ReplacingFileTest, RemoveUnfinishedFilesRemovesOnlyThoseBeingWritten) {
  ScratchDir dir;
  absl::StatusOr<ReplacingFile> done = ReplacingFile::Create(dir.File("done.txt"));
  ASSERT_TRUE(done.ok());
  ASSERT_TRUE(done->Write("whole\n").ok());
  ASSERT_TRUE(done->Commit().ok());
  std::vector<ReplacingFile> open;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<ReplacingFile> file =
        ReplacingFile::Create(dir.File("open" + std::to_string(i) + ".txt"));
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE(file->Write("half").ok());
    open.push_back(std::move(*file));
  }
  EXPECT_EQ(ListDir(dir.path()).size(), 4u);
  RemoveUnfinishedFiles();
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"done.txt"});
  EXPECT_EQ(Contents(dir.File("done.txt")), "whole\n");
  // A file removed under it cannot be committed; the error says so.
  EXPECT_FALSE(open[0].Commit().ok());
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"done.txt"});
}

TEST(ReplacingFileTest, ManyMoreFilesThanTheTableHoldsStillWork) {
  ScratchDir dir;
  std::vector<ReplacingFile> open;
  for (int i = 0; i < 100; ++i) {
    absl::StatusOr<ReplacingFile> file =
        ReplacingFile::Create(dir.File("f" + std::to_string(i)));
    ASSERT_TRUE(file.ok()) << i;
    open.push_back(std::move(*file));
  }
  for (ReplacingFile& file : open) ASSERT_TRUE(file.Commit().ok());
  EXPECT_EQ(ListDir(dir.path()).size(), 100u);
  // Each finished file freed its entry: new ones are listed again.
  absl::StatusOr<ReplacingFile> later = ReplacingFile::Create(dir.File("later"));
  ASSERT_TRUE(later.ok());
  RemoveUnfinishedFiles();
  EXPECT_EQ(ListDir(dir.path()).size(), 100u);
}

// In a folder others can write, the temporary names can be guessed: a link
// planted under the next ones must not be followed (it would truncate the
// file it points to). Those names are passed over.
TEST(ReplacingFileTest, LinksPlantedUnderItsNamesAreNotFollowed) {
  ScratchDir dir;
  const std::string victim = dir.Write("victim.txt", "not yours\n");
  const std::string path = dir.File("out.txt");
  std::string seen;
  {
    absl::StatusOr<ReplacingFile> probe = ReplacingFile::Create(path);
    ASSERT_TRUE(probe.ok());
    for (const std::string& name : ListDir(dir.path())) {
      if (name.rfind("out.txt.tmp.", 0) == 0) seen = name;
    }
  }
  ASSERT_FALSE(seen.empty());
  // "out.txt.tmp.<pid>.<n>": plant links under the next ten numbers.
  const size_t dot = seen.rfind('.');
  const std::string stem = seen.substr(0, dot + 1);
  const uint64_t next = std::stoull(seen.substr(dot + 1)) + 1;
  for (uint64_t n = next; n < next + 10; ++n) {
    std::filesystem::create_symlink(victim, dir.File(stem + std::to_string(n)));
  }
  absl::StatusOr<ReplacingFile> file = ReplacingFile::Create(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE(file->Write("mine\n").ok());
  ASSERT_TRUE(file->Commit().ok());
  EXPECT_EQ(Contents(victim), "not yours\n");
  EXPECT_EQ(Contents(path), "mine\n");
  EXPECT_EQ(ListDir(dir.path()).size(), 12u);  // victim, out.txt, ten links
}

}  // namespace
}  // namespace n2v::io
