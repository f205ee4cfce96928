// Tests for the file readers and writers: edge list syntax (separators,
// comments, headers, CRLF, gzip), parallel chunking of large files, the
// exact "<path>:<line>: reason" errors, the real SNAP Slashdot file, node
// lists and pairs, and embedding files (round trips, atomic writes, bad
// content).
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/io/edge_list_reader.h"
#include "n2v/io/embedding_io.h"
#include "io/line_ranges.h"
#include "test_util.h"

namespace n2v::io {
namespace {

using ::n2v::testing::BuildOrDie;
using ::n2v::testing::ListDir;
using ::n2v::testing::Message;
using ::n2v::testing::ScratchDir;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

std::string WriteGzip(const ScratchDir& dir, const std::string& name,
                      const std::string& contents) {
  const std::string path = dir.File(name);
  gzFile file = gzopen(path.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, contents.data(), static_cast<unsigned>(contents.size())),
            static_cast<int>(contents.size()));
  EXPECT_EQ(gzclose(file), Z_OK);
  return path;
}

// ------------------------------------------------------------ edge lists

struct SyntaxCase {
  std::string name;
  std::string contents;
  bool weighted;
  std::vector<int64_t> sources, targets;
  std::vector<float> weights;
};

TEST(ReadEdgeListTest, Syntax) {
  const std::vector<SyntaxCase> cases = {
      {"spaces", "1 2\n3 4\n", false, {1, 3}, {2, 4}, {}},
      {"tabs", "1\t2\n3\t4\n", false, {1, 3}, {2, 4}, {}},
      {"commas", "1,2\n3,4\n", false, {1, 3}, {2, 4}, {}},
      {"mixed_runs_and_indent", "  1 ,\t2  \n\t3,,4\n", false, {1, 3}, {2, 4},
       {}},
      {"comments", "# hash\n% percent\n1 2\n   # indented\n3 4\n# end", false,
       {1, 3}, {2, 4}, {}},
      {"blank_lines", "\n\n1 2\n\n   \n3 4\n\t\n", false, {1, 3}, {2, 4}, {}},
      {"crlf", "# c\r\n1 2\r\n\r\n3 4\r\n", false, {1, 3}, {2, 4}, {}},
      {"no_final_newline", "1 2\n3 4", false, {1, 3}, {2, 4}, {}},
      {"empty_file", "", false, {}, {}, {}},
      {"only_comments", "# a\n% b\n", false, {}, {}, {}},
      {"header_weighted", "source,target,weight\n1,2,0.5\n3,4,1.5\n", true,
       {1, 3}, {2, 4}, {0.5f, 1.5f}},
      {"header_unweighted_ignores_weights",
       "source,target,weight\n1,2,0.5\n3,4,1.5\n", false, {1, 3}, {2, 4}, {}},
      {"header_after_comment", "# x\nfrom to\n1 2\n", false, {1}, {2}, {}},
      {"extra_columns", "1 2 0.5 foo bar\n3 4 1.5 x\n", true, {1, 3}, {2, 4},
       {0.5f, 1.5f}},
      {"weight_syntax", "1 2 1e-3\n3 4 2.5E+2\n5 6 7\n", true, {1, 3, 5},
       {2, 4, 6}, {1e-3f, 250.0f, 7.0f}},
      {"signed_and_extreme_ids",
       "-1 +2\n9223372036854775807 -9223372036854775808\n", false,
       {-1, kMax}, {2, kMin}, {}},
      // Regression: a first line of '+'-signed ids was taken for a header
      // and dropped, because the header test did not accept the '+' that
      // the id parser does.
      {"plus_signed_first_line", "+1 +2\n3 4\n", false, {1, 3}, {2, 4}, {}},
  };
  ScratchDir dir;
  for (const SyntaxCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.Write(c.name + ".txt", c.contents);
    EdgeListReadOptions options;
    options.weighted = c.weighted;
    absl::StatusOr<EdgeList> edges = ReadEdgeList(path, options);
    ASSERT_TRUE(edges.ok()) << edges.status();
    EXPECT_EQ(edges->sources, c.sources);
    EXPECT_EQ(edges->targets, c.targets);
    EXPECT_EQ(edges->weights, c.weights);
    EXPECT_TRUE(edges->nodes.empty());
  }
}

TEST(ReadEdgeListTest, Gzip) {
  ScratchDir dir;
  const std::string text = "# gz\r\nsrc\tdst\tw\r\n1\t2\t0.5\r\n3\t4\t2\r\n";
  // Detected from the content, whatever the name.
  for (const std::string name : {"edges.txt.gz", "edges_gz_no_suffix"}) {
    const std::string path = WriteGzip(dir, name, text);
    EdgeListReadOptions options;
    options.weighted = true;
    absl::StatusOr<EdgeList> edges = ReadEdgeList(path, options);
    ASSERT_TRUE(edges.ok()) << edges.status();
    EXPECT_EQ(edges->sources, (std::vector<int64_t>{1, 3}));
    EXPECT_EQ(edges->targets, (std::vector<int64_t>{2, 4}));
    EXPECT_EQ(edges->weights, (std::vector<float>{0.5f, 2.0f}));
  }
  // A bad line in a gzip file is reported like one in a plain file.
  const std::string bad = WriteGzip(dir, "bad.gz", "1 2\n3 q\n");
  absl::StatusOr<EdgeList> edges = ReadEdgeList(bad, {});
  ASSERT_FALSE(edges.ok());
  EXPECT_EQ(Message(edges.status()), bad + ":2: node id 'q' is not an integer");
}

struct ErrorCase {
  std::string name;
  std::string contents;
  bool weighted;
  std::string message;  // after "<path>:"
};

TEST(ReadEdgeListTest, BadLinesNameFileLineAndReason) {
  const std::vector<ErrorCase> cases = {
      {"bad_source", "1 2\nabc 7\n", false, "2: node id 'abc' is not an integer"},
      {"bad_target", "1 2\n3 x\n", false, "2: node id 'x' is not an integer"},
      {"fraction_id", "1.5 2\n", false, "1: node id '1.5' is not an integer"},
      {"huge_id", "1 2\n99999999999999999999 3\n", false,
       "2: node id '99999999999999999999' is outside the 64-bit range"},
      // Regression: "+-5" was read as -5.
      {"plus_minus_id", "1 2\n+-5 3\n", false,
       "2: node id '+-5' is not an integer"},
      {"one_field", "1 2\n5\n", false, "2: expected two node ids, found 1 field"},
      {"missing_weight", "1 2 0.5\n3 4\n", true,
       "2: missing weight: a weighted edge list needs a third column"},
      {"nan_weight", "1 2 nan\n", true, "1: weight 'nan' must be finite and > 0"},
      {"inf_weight", "1 2 inf\n", true, "1: weight 'inf' must be finite and > 0"},
      {"negative_weight", "1 2 1\n1 3 -1\n", true,
       "2: weight '-1' must be finite and > 0"},
      {"zero_weight", "1 2 0\n", true, "1: weight '0' must be finite and > 0"},
      {"text_weight", "1 2 abc\n", true, "1: weight 'abc' is not a number"},
      {"overflowing_weight", "1 2 1e999\n", true,
       "1: weight '1e999' is outside the float range"},
      {"lines_count_comments_blanks_crlf", "# c\r\n\r\n1 2\r\n%\r\n3 y\r\n",
       false, "5: node id 'y' is not an integer"},
      {"first_error_wins", "1 2\n3 a\n4 b\n", false,
       "2: node id 'a' is not an integer"},
  };
  ScratchDir dir;
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = dir.Write(c.name + ".txt", c.contents);
    EdgeListReadOptions options;
    options.weighted = c.weighted;
    absl::StatusOr<EdgeList> edges = ReadEdgeList(path, options);
    ASSERT_FALSE(edges.ok());
    EXPECT_EQ(edges.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(edges.status()), path + ":" + c.message);
  }
}

// The shares of a file, read by as many processes, hold every line once and
// in order, for any share count; the header is the file's first line only;
// errors name the line in the whole file.
TEST(ReadEdgeListShareTest, SharesTogetherAreTheWholeFile) {
  ScratchDir dir;
  std::string text = "source,target,weight\n";
  for (int i = 0; i < 5000; ++i) {
    text += absl::StrCat(i, " ", (i * 7) % 5000, " ", 1 + i % 3, "\r\n");
    if (i % 97 == 0) text += "# a comment\n\n";
  }
  const std::string path = dir.Write("edges.txt", text);
  const EdgeList whole = io::ReadEdgeList(path, {.weighted = true}).value();
  for (int shares : {1, 2, 3, 4, 7, 64}) {
    SCOPED_TRACE(shares);
    EdgeList joined;
    for (int share = 0; share < shares; ++share) {
      absl::StatusOr<EdgeList> part =
          io::ReadEdgeListShare(path, {.weighted = true}, share, shares);
      ASSERT_TRUE(part.ok()) << part.status();
      joined.sources.insert(joined.sources.end(), part->sources.begin(), part->sources.end());
      joined.targets.insert(joined.targets.end(), part->targets.begin(), part->targets.end());
      joined.weights.insert(joined.weights.end(), part->weights.begin(), part->weights.end());
    }
    EXPECT_EQ(joined.sources, whole.sources);
    EXPECT_EQ(joined.targets, whole.targets);
    EXPECT_EQ(joined.weights, whole.weights);
  }
  const std::string bad = dir.Write("bad.txt", text + "1 x\n" + "2 3 1\n");
  const std::string expected = absl::StrCat(
      bad, ":", std::count(text.begin(), text.end(), '\n') + 1,
      ": node id 'x' is not an integer");
  bool seen = false;
  for (int share = 0; share < 4; ++share) {
    absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(bad, {}, share, 4);
    if (part.ok()) continue;
    EXPECT_EQ(Message(part.status()), expected);
    seen = true;
  }
  EXPECT_TRUE(seen);
}

// A gzip file is shared by blocks of whole lines as it is read: the
// shares' blocks, in order, are the whole text; each names the lines
// before it; a line longer than a block stays whole.
TEST(ReadLineBlocksTest, SharesOfAGzipFileHoldEveryLineOnceInBlocks) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 300; ++i) text += absl::StrCat(i, " ", i + 1, "\n");
  text += std::string(500, '7') + " 1\n";  // longer than a block
  text += "5 6";                               // no newline at the end
  const std::string path = WriteGzip(dir, "lines.gz", text);
  for (int shares : {1, 2, 3, 5}) {
    SCOPED_TRACE(shares);
    std::vector<std::vector<io::internal::LineBlock>> parts;
    for (int share = 0; share < shares; ++share) {
      auto blocks = io::internal::ReadLineBlocks(path, 64, share, shares);
      ASSERT_TRUE(blocks.ok()) << blocks.status();
      parts.push_back(*std::move(blocks));
    }
    std::string joined;
    uint64_t lines = 0;
    for (size_t index = 0;; ++index) {
      const auto& part = parts[index % shares];
      if (index / shares >= part.size()) break;
      const io::internal::LineBlock& block = part[index / shares];
      EXPECT_EQ(block.lines_before, lines) << "block " << index;
      EXPECT_EQ(block.at_file_start, index == 0);
      EXPECT_TRUE(block.text.back() == '\n' || joined.size() + block.text.size() == text.size());
      joined += block.text;
      lines += std::count(block.text.begin(), block.text.end(), '\n');
    }
    EXPECT_EQ(joined, text);
  }
}

// Every rank reads a gzip edge list's whole stream and keeps its blocks:
// together the shares give the edges of the whole file, once, and a bad
// line is named by its line in the whole file.
TEST(ReadEdgeListShareTest, AGzipFileIsSharedByBlocks) {
  ScratchDir dir;
  std::string text = "source,target,weight\n";
  for (int i = 0; i < 600000; ++i) text += absl::StrCat(i, " ", (i * 7) % 5000, " 2\n");
  const std::string path = WriteGzip(dir, "edges.txt.gz", text);
  const EdgeList whole = io::ReadEdgeList(path, {.weighted = true}).value();
  for (int shares : {1, 2, 3}) {
    SCOPED_TRACE(shares);
    EdgeList joined;
    std::vector<size_t> sizes;
    for (int share = 0; share < shares; ++share) {
      absl::StatusOr<EdgeList> part =
          io::ReadEdgeListShare(path, {.weighted = true}, share, shares);
      ASSERT_TRUE(part.ok()) << part.status();
      sizes.push_back(part->sources.size());
      joined.sources.insert(joined.sources.end(), part->sources.begin(), part->sources.end());
    }
    std::sort(joined.sources.begin(), joined.sources.end());
    EXPECT_EQ(joined.sources, whole.sources);  // ascending in the file
    if (shares > 1) EXPECT_GT(sizes[1], 0u) << "the file spans several blocks";
  }
  const std::string bad = WriteGzip(dir, "bad.txt.gz", text + "1 x 2\n");
  const std::string expected =
      absl::StrCat(bad, ":", 600002, ": node id 'x' is not an integer");
  int seen = 0;
  for (int share = 0; share < 3; ++share) {
    absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(bad, {.weighted = true}, share, 3);
    if (part.ok()) continue;
    EXPECT_EQ(Message(part.status()), expected);
    ++seen;
  }
  EXPECT_EQ(seen, 1);
}

// A gzip file cut short (an interrupted download) is an error, never a
// smaller graph ending in half a line: read whole, read by shares, and as
// an embedding file.
TEST(ReadEdgeListTest, AGzipFileCutShortIsDataLoss) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 200000; ++i) text += absl::StrCat(i, " ", i + 1, "\n");
  const std::string whole = WriteGzip(dir, "whole.gz", text);
  std::string bytes;
  {
    std::ifstream in(whole, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 100000u);
  const std::string cut = dir.Write("cut.gz", bytes.substr(0, 100000));
  const std::string expected =
      "cannot read '" + cut + "': the gzip stream ends early (the file is cut short)";
  absl::StatusOr<EdgeList> edges = ReadEdgeList(cut, {});
  EXPECT_EQ(edges.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(Message(edges.status()), expected);
  for (int share = 0; share < 2; ++share) {
    absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(cut, {}, share, 2);
    EXPECT_EQ(part.status().code(), absl::StatusCode::kDataLoss);
    EXPECT_EQ(Message(part.status()), expected);
  }
  std::string rows = "100000 2\n";
  for (int i = 0; i < 100000; ++i) rows += absl::StrCat(i, " 0.5 0.25\n");
  const std::string vectors = WriteGzip(dir, "vectors.txt.gz", rows);
  std::string packed;
  {
    std::ifstream in(vectors, std::ios::binary);
    packed.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const std::string cut_vectors =
      dir.Write("cut-vectors.txt.gz", packed.substr(0, packed.size() / 2));
  absl::StatusOr<Embeddings> read = ReadEmbeddings(cut_vectors);
  EXPECT_EQ(read.status().code(), absl::StatusCode::kDataLoss) << read.status();
}

// The file's first data line may be a header, wherever the shares cut:
// behind a preamble of comments it can fall in a later share, or a later
// gzip block, and is still skipped there (and only there).
TEST(ReadEdgeListShareTest, TheHeaderIsTheFilesFirstDataLineInAnyShare) {
  ScratchDir dir;
  std::string text;
  for (int i = 0; i < 4; ++i) text += "# " + std::string(70, 'c') + "\n";
  text += "\n% another comment\nsource,target\n";
  for (int i = 0; i < 11; ++i) text += absl::StrCat(i, " ", i + 1, "\n");
  for (const std::string& path :
       {dir.Write("preamble.txt", text), WriteGzip(dir, "preamble.txt.gz", text)}) {
    const EdgeList whole = io::ReadEdgeList(path, {}).value();
    ASSERT_EQ(whole.sources.size(), 11u);
    for (int shares : {1, 2, 3, 4, 8}) {
      SCOPED_TRACE(absl::StrCat(path, " in ", shares));
      std::vector<int64_t> joined;
      for (int share = 0; share < shares; ++share) {
        absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(path, {}, share, shares);
        ASSERT_TRUE(part.ok()) << part.status();
        joined.insert(joined.end(), part->sources.begin(), part->sources.end());
      }
      EXPECT_EQ(joined, whole.sources);
    }
  }
  // A line after the first data line is never a header.
  const std::string late = dir.Write("late.txt", "1 2\n" + std::string(300, '#') +
                                                     "\nsource,target\n3 4\n");
  int refused = 0;
  for (int share = 0; share < 2; ++share) {
    absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(late, {}, share, 2);
    if (part.ok()) continue;
    EXPECT_EQ(Message(part.status()), late + ":3: node id 'source' is not an integer");
    ++refused;
  }
  EXPECT_EQ(refused, 1);
}

// A UTF-8 byte order mark (Windows editors, spreadsheet exports) starts no
// id: the file reads as without it, whole, in shares and gzipped, also when
// a comment or a header follows the mark. The same file's ids are read
// alike from a node list and a pair list.
TEST(ReadEdgeListTest, AByteOrderMarkIsNotPartOfTheFirstId) {
  ScratchDir dir;
  const std::string bom = "\xEF\xBB\xBF";
  const std::string body = "1 2\n2 3\n3 1\n";
  for (const std::string& text : {bom + body, bom + "# made in a spreadsheet\n" + body,
                                  bom + "source,target\n" + body, bom + "1 2\r\n2 3\r\n3 1\r\n"}) {
    SCOPED_TRACE(text);
    for (const std::string& path :
         {dir.Write("bom.txt", text), WriteGzip(dir, "bom.txt.gz", text)}) {
      absl::StatusOr<EdgeList> whole = io::ReadEdgeList(path, {});
      ASSERT_TRUE(whole.ok()) << whole.status();
      EXPECT_EQ(whole->sources, (std::vector<int64_t>{1, 2, 3}));
      std::vector<int64_t> joined;
      for (int share = 0; share < 2; ++share) {
        absl::StatusOr<EdgeList> part = io::ReadEdgeListShare(path, {}, share, 2);
        ASSERT_TRUE(part.ok()) << part.status();
        joined.insert(joined.end(), part->sources.begin(), part->sources.end());
      }
      EXPECT_EQ(joined, whole->sources);
    }
  }
  const std::string nodes = dir.Write("nodes.txt", bom + "7\n8\n");
  EXPECT_EQ(io::ReadNodeList(nodes).value(), (std::vector<int64_t>{7, 8}));
  const std::string pairs = dir.Write("pairs.txt", bom + "7 8\n");
  EXPECT_EQ(io::ReadNodePairs(pairs).value().sources, (std::vector<int64_t>{7}));
}

// A stream (standard input, a pipe, a device) cannot be cut into byte
// ranges that every rank reads: refused, saying what to give instead. One
// process reads such a file whole, as before.
TEST(ReadEdgeListShareTest, AStreamIsRefusedWithWhatToGiveInstead) {
  for (int shares : {1, 2}) {
    absl::StatusOr<EdgeList> part = io::ReadEdgeListShare("/dev/null", {}, 0, shares);
    ASSERT_FALSE(part.ok());
    EXPECT_EQ(part.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(Message(part.status()),
              "cannot share '/dev/null' among the ranks: it is a stream, not a file (each "
              "rank reads a byte range of the input, so every rank must be able to open it; "
              "give a file, or one file per rank with '{rank}' in the name)");
  }
  absl::StatusOr<EdgeList> whole = io::ReadEdgeList("/dev/null", {});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_TRUE(whole->sources.empty());
}

TEST(ReadEdgeListTest, MissingFileIsNotFound) {
  ScratchDir dir;
  const std::string path = dir.File("no_such_file.txt");
  absl::StatusOr<EdgeList> edges = ReadEdgeList(path, {});
  ASSERT_FALSE(edges.ok());
  EXPECT_EQ(edges.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(edges.status()),
            "cannot open '" + path + "': No such file or directory");
}

// A file of several 4 MiB chunks: records keep file order, and line numbers
// in errors count every line of the earlier chunks (comments and blank lines
// included).
TEST(ReadEdgeListTest, LargeFileChunksKeepOrderAndLineNumbers) {
  constexpr int kEdges = 700000;
  std::string text = "source\ttarget\tweight\r\n";
  std::vector<int64_t> lines_of_edge;  // 1-based line of each edge
  int64_t line = 1;
  for (int i = 0; i < kEdges; ++i) {
    if (i % 1000 == 0) {
      text += "# a comment line\r\n\r\n";
      line += 2;
    }
    text += std::to_string(i) + "\t" + std::to_string((i * 7919LL) % 1000003) +
            "\t" + std::to_string(1 + i % 9) + ".5\r\n";
    lines_of_edge.push_back(++line);
  }
  ASSERT_GT(text.size(), size_t{3} * (4 << 20));
  ScratchDir dir;
  const std::string path = dir.Write("big.tsv", text);
  for (int threads : {1, 2}) {
    EdgeListReadOptions options;
    options.weighted = true;
    options.num_threads = threads;
    absl::StatusOr<EdgeList> edges = ReadEdgeList(path, options);
    ASSERT_TRUE(edges.ok()) << edges.status();
    ASSERT_EQ(edges->sources.size(), size_t{kEdges});
    ASSERT_EQ(edges->weights.size(), size_t{kEdges});
    for (int i = 0; i < kEdges; ++i) {
      ASSERT_EQ(edges->sources[i], i);
      ASSERT_EQ(edges->targets[i], (i * 7919LL) % 1000003);
      ASSERT_EQ(edges->weights[i], 1 + i % 9 + 0.5f);
    }
  }

  // Corrupt edges in the last chunk, then also one in the first: the
  // earliest line is reported, with its exact number.
  for (int bad : {kEdges - 5, 600000, 10}) {
    std::string corrupt = text;
    const std::string needle = "\n" + std::to_string(bad) + "\t";
    const size_t at = corrupt.find(needle);
    ASSERT_NE(at, std::string::npos);
    corrupt.replace(at + 1, needle.size() - 2, "x" + std::to_string(bad));
    const std::string bad_path = dir.Write("bad.tsv", corrupt);
    absl::StatusOr<EdgeList> edges = ReadEdgeList(bad_path, {});
    ASSERT_FALSE(edges.ok());
    EXPECT_EQ(Message(edges.status()),
              bad_path + ":" + std::to_string(lines_of_edge[bad]) +
                  ": node id 'x" + std::to_string(bad) + "' is not an integer");
    text = corrupt;  // keep the later errors in the next round
  }
}

// The real SNAP file: gzip, '#' header lines, tab separated, CRLF.
TEST(ReadEdgeListTest, SnapSlashdot) {
  const std::string path = "../shared/datasets/slashdot/soc-Slashdot0902.txt.gz";
  absl::StatusOr<EdgeList> edges = ReadEdgeList(path, {});
  ASSERT_TRUE(edges.ok()) << edges.status();
  ASSERT_EQ(edges->sources.size(), 948464u);
  EXPECT_EQ(edges->sources[0], 0);
  EXPECT_EQ(edges->targets[0], 0);
  EXPECT_EQ(edges->sources[1], 0);
  EXPECT_EQ(edges->targets[1], 1);

  const CsrGraph directed = BuildOrDie(*edges, /*directed=*/true);
  EXPECT_EQ(directed.num_nodes(), 82168u);
  EXPECT_EQ(directed.num_arcs(), 948464u);  // no repeated lines
  EXPECT_EQ(directed.stats().num_edges, 948464u);
  EXPECT_EQ(directed.stats().merged_duplicates, 0u);
  EXPECT_EQ(directed.stats().self_loops, 78303u);
  EXPECT_EQ(directed.stats().isolated_nodes, 0u);

  const CsrGraph undirected = BuildOrDie(*std::move(edges), /*directed=*/false);
  EXPECT_EQ(undirected.num_nodes(), 82168u);
  EXPECT_EQ(undirected.stats().self_loops, 78303u);
  EXPECT_EQ(undirected.stats().num_edges, 582533u);
}

// ------------------------------------------------------------ nodes, pairs

TEST(ReadNodeListTest, FirstColumnOfEachLine) {
  ScratchDir dir;
  const std::string path =
      dir.Write("nodes.txt", "id\n5\n-3\n# c\n\n7 extra columns\r\n+8\n");
  absl::StatusOr<std::vector<int64_t>> ids = ReadNodeList(path);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int64_t>{5, -3, 7, 8}));

  const std::string bad = dir.Write("bad.txt", "5\n6\nseven\n");
  ids = ReadNodeList(bad);
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(Message(ids.status()), bad + ":3: node id 'seven' is not an integer");

  ids = ReadNodeList(dir.File("missing.txt"));
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().code(), absl::StatusCode::kNotFound);
}

TEST(ReadNodePairsTest, TwoIdsPerLineLabelIgnored) {
  ScratchDir dir;
  const std::string path =
      dir.Write("pairs.csv", "u,v,label\n1,2,1\n3,4,0\n-5,6\n");
  absl::StatusOr<NodePairs> pairs = ReadNodePairs(path);
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(pairs->sources, (std::vector<int64_t>{1, 3, -5}));
  EXPECT_EQ(pairs->targets, (std::vector<int64_t>{2, 4, 6}));

  const std::string bad = dir.Write("bad.csv", "1,2\n3\n");
  pairs = ReadNodePairs(bad);
  ASSERT_FALSE(pairs.ok());
  EXPECT_EQ(Message(pairs.status()),
            bad + ":2: expected two node ids, found 1 field");
}

// ------------------------------------------------------------ embeddings

Embeddings Sample() {
  const std::vector<int64_t> ids = {kMin, kMax, -5, 0, 123456789012};
  const float values[] = {
      -0.0f, std::numeric_limits<float>::denorm_min(),
      std::numeric_limits<float>::max(), -std::numeric_limits<float>::min(),
      3.14159265f,  // row kMin
      1.0f / 3, -2.5f, 1e-30f, 7e37f, 0.1f,  // row kMax
      0, 0, 0, 0, 0,  // row -5
      -1, 1, -1, 1, 0.5f,  // row 0
      1e-45f, -1e-38f, 123456.789f, -0.000123f, 42,
  };
  absl::StatusOr<Embeddings> e = Embeddings::FromRows(
      ids, 5, std::span<const float>(values, std::size(values)));
  EXPECT_TRUE(e.ok()) << e.status();
  return *std::move(e);
}

// The same ids in the same order, with the same bits.
void ExpectSameRows(const Embeddings& read, const Embeddings& original) {
  ASSERT_EQ(read.size(), original.size());
  ASSERT_EQ(read.dimensions(), original.dimensions());
  for (size_t r = 0; r < original.size(); ++r) {
    ASSERT_EQ(read.id(r), original.id(r));
    ASSERT_EQ(0, std::memcmp(read.row(r).data(), original.row(r).data(),
                             original.dimensions() * sizeof(float)))
        << "row " << r;
  }
}

TEST(EmbeddingIoTest, RoundTripIsBitExact) {
  ScratchDir dir;
  const Embeddings original = Sample();
  for (EmbeddingFormat format : {EmbeddingFormat::kText, EmbeddingFormat::kBinary}) {
    const bool text = format == EmbeddingFormat::kText;
    SCOPED_TRACE(text ? "text" : "binary");
    const std::string path = dir.File(text ? "e.txt" : "e.bin");
    ASSERT_TRUE(WriteEmbeddings(original, path, format).ok());
    absl::StatusOr<Embeddings> read = ReadEmbeddings(path);
    ASSERT_TRUE(read.ok()) << read.status();
    ExpectSameRows(*read, original);
  }
}

TEST(EmbeddingIoTest, TextLayout) {
  ScratchDir dir;
  absl::StatusOr<Embeddings> e =
      Embeddings::FromRows({-7, 3}, 2, std::vector<float>{0.5f, -1, 2, 0.25f});
  ASSERT_TRUE(e.ok());
  const std::string path = dir.File("e.txt");
  ASSERT_TRUE(WriteEmbeddings(*e, path, EmbeddingFormat::kText).ok());
  std::ifstream in(path, std::ios::binary);
  const std::string contents((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  EXPECT_EQ(contents, "2 2\n-7 0.5 -1\n3 2 0.25\n");

  const std::string bin = dir.File("e.bin");
  ASSERT_TRUE(WriteEmbeddings(*e, bin, EmbeddingFormat::kBinary).ok());
  std::ifstream bin_in(bin, std::ios::binary);
  const std::string bin_contents((std::istreambuf_iterator<char>(bin_in)),
                                 std::istreambuf_iterator<char>());
  std::string expected = "2 2\n-7 ";
  const float row0[] = {0.5f, -1}, row1[] = {2, 0.25f};
  expected.append(reinterpret_cast<const char*>(row0), sizeof(row0));
  expected += "\n3 ";
  expected.append(reinterpret_cast<const char*>(row1), sizeof(row1));
  expected += "\n";
  EXPECT_EQ(bin_contents, expected);
}

TEST(EmbeddingIoTest, WritesAreAtomic) {
  ScratchDir dir;
  const Embeddings e = Sample();
  // Into a missing directory: a clear error, and nothing is created.
  const std::string missing = dir.File("missing/out.txt");
  absl::Status status = WriteEmbeddings(e, missing, EmbeddingFormat::kText);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(Message(status),
            "cannot write '" + missing + "': No such file or directory");
  EXPECT_TRUE(ListDir(dir.path()).empty());

  // Onto a directory: the rename fails and the temporary file is removed.
  const std::string taken = dir.File("taken");
  std::filesystem::create_directory(taken);
  status = WriteEmbeddings(e, taken, EmbeddingFormat::kBinary);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(Message(status), "cannot write '" + taken + "': Is a directory");
  EXPECT_EQ(ListDir(dir.path()), std::vector<std::string>{"taken"});
  EXPECT_TRUE(ListDir(taken).empty());

  // A successful write leaves only the target, replacing an older file.
  const std::string path = dir.Write("out.txt", "old contents\n");
  ASSERT_TRUE(WriteEmbeddings(e, path, EmbeddingFormat::kText).ok());
  EXPECT_EQ(ListDir(dir.path()), (std::vector<std::string>{"out.txt", "taken"}));
  absl::StatusOr<Embeddings> read = ReadEmbeddings(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->size(), e.size());
}

std::string BinaryRow(const std::string& id, std::vector<float> values) {
  std::string row = id + " ";
  row.append(reinterpret_cast<const char*>(values.data()),
             values.size() * sizeof(float));
  return row + "\n";
}

// 300 rows of 5 values; some binary rows hold bytes that read as newlines.
Embeddings ManyRows() {
  std::vector<int64_t> ids;
  std::vector<float> values;
  for (int64_t id = 0; id < 300; ++id) {
    ids.push_back(id * 7 - 1000);
    for (int i = 0; i < 5; ++i) {
      uint32_t bits = static_cast<uint32_t>(id * 2654435761u + i * 40503u);
      if (id % 11 == 0) bits = 0x3f0a0a0au;  // '\n' bytes inside a row
      float v;
      std::memcpy(&v, &bits, sizeof v);
      values.push_back(std::isfinite(v) ? v : 0.5f);
    }
  }
  auto e = Embeddings::FromRows(std::move(ids), 5, values);
  EXPECT_TRUE(e.ok()) << e.status();
  return *std::move(e);
}

TEST(EmbeddingIoTest, ReadsThroughASmallWindowAsWhole) {
  ScratchDir dir;
  const Embeddings original = ManyRows();
  for (EmbeddingFormat format : {EmbeddingFormat::kText, EmbeddingFormat::kBinary}) {
    const std::string path = dir.File(format == EmbeddingFormat::kText ? "m.txt" : "m.bin");
    ASSERT_TRUE(WriteEmbeddings(original, path, format).ok());
    for (size_t block : {size_t{1}, size_t{3}, size_t{7}, size_t{64}, size_t{1} << 22}) {
      SCOPED_TRACE(path + " block " + std::to_string(block));
      auto read = ReadEmbeddings(path, [](int64_t) { return true; }, block);
      ASSERT_TRUE(read.ok()) << read.status();
      ExpectSameRows(*read, original);
    }
  }
  // Errors name the same line whatever the window.
  const std::string bad = dir.Write("bad.txt", "3 2\n1 0.5 0.5\n2 0.5 0.5\n3 0.5 abc\n");
  auto read = ReadEmbeddings(bad, [](int64_t) { return true; }, 2);
  EXPECT_EQ(Message(read.status()), bad + ":4: value 'abc' is not a number");
}

TEST(EmbeddingIoTest, KeepsOnlyTheRowsTheFilterTakes) {
  ScratchDir dir;
  const Embeddings original = ManyRows();
  auto even = [](int64_t id) { return id % 2 == 0; };
  for (EmbeddingFormat format : {EmbeddingFormat::kText, EmbeddingFormat::kBinary}) {
    const std::string path = dir.File(format == EmbeddingFormat::kText ? "f.txt" : "f.bin");
    ASSERT_TRUE(WriteEmbeddings(original, path, format).ok());
    auto read = ReadEmbeddings(path, even);
    ASSERT_TRUE(read.ok()) << read.status();
    EXPECT_EQ(read->size(), 150u);
    for (size_t r = 0; r < original.size(); ++r) {
      const auto kept = read->Find(original.id(r));
      ASSERT_EQ(kept.has_value(), even(original.id(r)));
      if (kept) EXPECT_EQ(read->row(*kept)[4], original.row(r)[4]);
    }
  }
  // A row left out is still counted and its id checked; its values are
  // its keeper's to check.
  const std::string odd_bad = dir.Write("o.txt", "2 1\n2 0.5\n3 abc\n");
  EXPECT_TRUE(ReadEmbeddings(odd_bad, even).ok());
  const std::string bad_id = dir.Write("i.txt", "2 1\n2 0.5\nx 0.5\n");
  EXPECT_EQ(Message(ReadEmbeddings(bad_id, even).status()),
            bad_id + ":3: node id 'x' is not an integer");
  const std::string short_file = dir.Write("s.txt", "3 1\n2 0.5\n3 0.5\n");
  EXPECT_EQ(Message(ReadEmbeddings(short_file, even).status()),
            short_file + ":3: header announces 3 rows, found 2");
}

TEST(EmbeddingShareReaderTest, SharesTogetherAreTheWholeFile) {
  ScratchDir dir;
  const Embeddings original = ManyRows();
  const std::string path = dir.File("s.txt");
  ASSERT_TRUE(WriteEmbeddings(original, path, EmbeddingFormat::kText).ok());
  for (int shares : {1, 2, 3, 7}) {
    for (size_t block : {size_t{5}, size_t{1} << 22}) {
      SCOPED_TRACE(std::to_string(shares) + " shares, block " + std::to_string(block));
      std::vector<int64_t> ids;
      std::vector<float> values;
      uint64_t rows = 0;
      for (int share = 0; share < shares; ++share) {
        auto reader = EmbeddingShareReader::Open(path, share, shares, block);
        ASSERT_TRUE(reader.ok()) << reader.status();
        EXPECT_EQ(reader->dimensions(), 5u);
        EXPECT_EQ(reader->announced_rows(), 300u);
        while (true) {
          auto piece = reader->Next(17);
          ASSERT_TRUE(piece.ok()) << piece.status();
          if (piece->size() == 0) break;
          ASSERT_LE(piece->size(), 17u);
          for (size_t r = 0; r < piece->size(); ++r) {
            ids.push_back(piece->id(r));
            values.insert(values.end(), piece->row(r).begin(), piece->row(r).end());
          }
        }
        rows += reader->rows_read();
      }
      EXPECT_EQ(rows, 300u);
      ASSERT_EQ(ids.size(), original.size());
      for (size_t r = 0; r < original.size(); ++r) {
        ASSERT_EQ(ids[r], original.id(r));
        ASSERT_EQ(0, std::memcmp(values.data() + r * 5, original.row(r).data(),
                                 5 * sizeof(float)));
      }
    }
  }
}

TEST(EmbeddingShareReaderTest, ErrorsNameTheLineInTheWholeFile) {
  ScratchDir dir;
  std::string text = "40 2\n";
  for (int i = 0; i < 40; ++i) {
    text += std::to_string(i) + (i == 33 ? " 0.5 abc\n" : " 0.5 0.25\n");
  }
  const std::string path = dir.Write("bad.txt", text);
  std::string message;
  for (int share = 0; share < 4; ++share) {
    auto reader = EmbeddingShareReader::Open(path, share, 4);
    ASSERT_TRUE(reader.ok()) << reader.status();
    while (true) {
      auto piece = reader->Next(8);
      if (!piece.ok()) {
        message = Message(piece.status());
        break;
      }
      if (piece->size() == 0) break;
    }
  }
  EXPECT_EQ(message, path + ":35: value 'abc' is not a number");
  // Gzip and binary files cannot be split by bytes.
  const std::string gz = WriteGzip(dir, "e.txt.gz", "1 1\n1 0.5\n");
  EXPECT_EQ(EmbeddingShareReader::Open(gz, 0, 2).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string bin = dir.File("e.bin");
  ASSERT_TRUE(WriteEmbeddings(ManyRows(), bin, EmbeddingFormat::kBinary).ok());
  EXPECT_EQ(EmbeddingShareReader::Open(bin, 1, 2).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(EmbeddingIoTest, MalformedFilesNameTheProblem) {
  const std::string header_error =
      ":1: expected a header '<count> <dimensions>' with dimensions >= 1";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"hello\n", header_error},
      {"", header_error},
      {"2\n", header_error},
      {"2 0\n", header_error},
      {"2 3 4\n", header_error},
      {"-1 3\n", header_error},
      {"2 3\n1 0.5 0.5 0.5\n2 0.5 0.5\n",
       ":3: expected an id and 3 values, found 3 fields"},
      {"2 3\n1 0.5 0.5 0.5\n2 0.5 0.5 0.5 0.5\n",
       ":3: expected an id and 3 values, found 5 fields"},
      {"2 3\n1 0.5 0.5 0.5\n2 0.5 abc 0.5\n", ":3: value 'abc' is not a number"},
      {"2 2\n1 0.5 0.5\nx 0.5 0.5\n", ":3: node id 'x' is not an integer"},
      {"1 2\n1 0.5 0.5\n2 0.5 0.5\n", ":3: header announces 1 rows, found 2"},
      {"3 2\r\n1 0.5 0.5\r\n\r\n2 0.5 0.5\r\n",
       ":4: header announces 3 rows, found 2"},
      {"2 2\n1 0.5 0.5\n1 0.5 0.5\n", ": node id 1 is repeated"},
      {"2 3\n" + BinaryRow("1", {1, 2, 3}) + "2 " + std::string(4, 'x'),
       ": row 2 of 2 is truncated"},
      {"1 3\n" + BinaryRow("1", {1, 2, 3}) + BinaryRow("2", {1, 2, 3}),
       ": not an embedding file: the header announces 1 binary rows of 3 "
       "floats but more data follows"},
  };
  ScratchDir dir;
  int i = 0;
  for (const auto& [contents, message] : cases) {
    const std::string path = dir.Write("bad" + std::to_string(i++), contents);
    absl::StatusOr<Embeddings> read = ReadEmbeddings(path);
    ASSERT_FALSE(read.ok()) << contents;
    EXPECT_EQ(read.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(Message(read.status()), path + message) << contents;
  }

  const std::string missing = dir.File("missing.emb");
  absl::StatusOr<Embeddings> read = ReadEmbeddings(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Message(read.status()),
            "cannot open '" + missing + "': No such file or directory");
}

TEST(EmbeddingIoTest, ReadsGzipAndCrlfText) {
  ScratchDir dir;
  const std::string path =
      WriteGzip(dir, "e.txt.gz", "2 2\r\n10 0.5 -1\r\n-4 2 0.25\r\n");
  absl::StatusOr<Embeddings> read = ReadEmbeddings(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ(read->id(1), -4);
  EXPECT_EQ(read->row(1)[1], 0.25f);
  EXPECT_EQ(*read->Find(10), 0u);
}

}  // namespace
}  // namespace n2v::io
