// SnapshotAssembler: turns the messages of a snapshot upload (header, node
// chunks, edge chunks) into an engine EdgeList, validating at the edge:
// header first and once, equal column lengths, weights present exactly when
// the snapshot is weighted and finite and > 0, endpoints in the node list
// when it is strict, counts matching the header's expectations. Errors are
// InvalidArgument naming the field, the chunk, the position and the value.
//
// Thread safety: none; one assembler per upload.
#ifndef N2V_SIDECAR_SNAPSHOT_ASSEMBLER_H_
#define N2V_SIDECAR_SNAPSHOT_ASSEMBLER_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "n2v/embeddings.h"
#include "n2v/graph.h"
#include "n2v/v1/n2v.pb.h"

namespace n2v::sidecar {

class SnapshotAssembler {
 public:
  absl::Status AddHeader(const v1::SnapshotHeader& header);
  absl::Status AddNodes(const v1::NodeChunk& chunk);
  absl::Status AddEdges(const v1::EdgeChunk& chunk);
  absl::Status AddInitialVectors(const v1::InitialVectorChunk& chunk);
  // Dispatches on the oneof of an upload message.
  absl::Status Add(const v1::UploadSnapshotRequest& message);

  bool has_header() const { return has_header_; }
  const v1::SnapshotHeader& header() const { return header_; }
  uint64_t edges_received() const { return edges_.sources.size(); }
  // Bytes of the columns received so far.
  uint64_t bytes() const;

  // Initial vectors received (rows), and after Finish, the vectors and
  // context vectors (context is empty when no chunk carried any).
  uint64_t initial_rows() const { return initial_ids_.size(); }
  struct Initial {
    Embeddings vectors;
    Embeddings context;
  };
  // Builds the initial vectors; InvalidArgument for a repeated id. Call
  // once, after Finish, when initial_rows() > 0.
  absl::StatusOr<Initial> TakeInitial();

  // Checks the whole upload and hands over the edge list. InvalidArgument
  // when there was no header, counts differ from the header's expectations,
  // an endpoint is missing from a strict node list, or the graph is empty.
  absl::StatusOr<EdgeList> Finish();

 private:
  bool has_header_ = false;
  v1::SnapshotHeader header_;
  EdgeList edges_;
  uint64_t node_chunks_ = 0;
  uint64_t edge_chunks_ = 0;
  uint64_t vector_chunks_ = 0;
  uint32_t initial_dims_ = 0;
  bool initial_context_ = false;
  std::vector<int64_t> initial_ids_;
  std::vector<float> initial_vectors_;
  std::vector<float> initial_context_values_;
};

}  // namespace n2v::sidecar

#endif  // N2V_SIDECAR_SNAPSHOT_ASSEMBLER_H_
