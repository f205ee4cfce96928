// Readers for the text inputs of the CLI: edge lists as SNAP and the
// reference node2vec write them, node lists and node pairs.
//
// Format: one record per line; fields separated by spaces, tabs or commas;
// lines starting with '#' or '%' are comments; blank lines are skipped;
// CRLF line endings are accepted; gzip files are read transparently. The
// first data line is skipped as a header when none of its fields is a
// number (e.g. "source,target,weight"). Columns after the ones used are
// ignored.
//
// Errors: NotFound when the file cannot be opened, InvalidArgument as
// "<path>:<line>: <reason>" for the first malformed line.
#ifndef N2V_IO_EDGE_LIST_READER_H_
#define N2V_IO_EDGE_LIST_READER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "n2v/graph.h"

namespace n2v::io {

struct EdgeListReadOptions {
  // Read the third column as the edge weight (required on every line, finite
  // and > 0). When false, weights are not read at all.
  bool weighted = false;
  int num_threads = 0;  // 0 = all cores
};

absl::StatusOr<EdgeList> ReadEdgeList(const std::string& path,
                                      const EdgeListReadOptions& options);

// Node ids, one per line (first column).
absl::StatusOr<std::vector<int64_t>> ReadNodeList(const std::string& path);

// One share of a file read by several processes (the ranks of a distributed
// run): the records of the `share`-th of `shares` byte ranges of the file,
// each range widened to whole lines, so that the shares together hold every
// line once. Errors name the line in the whole file. A gzip file cannot be
// split by bytes: each share reads the whole stream and keeps every
// `shares`-th block of about 4 MiB of whole lines.
absl::StatusOr<EdgeList> ReadEdgeListShare(const std::string& path,
                                           const EdgeListReadOptions& options,
                                           int share, int shares);
absl::StatusOr<std::vector<int64_t>> ReadNodeListShare(const std::string& path,
                                                       int share, int shares);

struct NodePairs {
  std::vector<int64_t> sources;
  std::vector<int64_t> targets;
};
// Node pairs, two ids per line.
absl::StatusOr<NodePairs> ReadNodePairs(const std::string& path);

}  // namespace n2v::io

#endif  // N2V_IO_EDGE_LIST_READER_H_
