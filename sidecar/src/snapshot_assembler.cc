// SnapshotAssembler implementation.
#include "snapshot_assembler.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace n2v::sidecar {
namespace {

constexpr size_t kMaxNameBytes = 256;
// Rows reserved for the header's expected counts. The counts come from the
// client, so reserving for them is capped: a header announcing 2^40 edges
// must not allocate (or throw) before the upload is charged against the
// memory budget. Larger uploads grow as their chunks arrive.
constexpr uint64_t kMaxReservedEdges = uint64_t{1} << 24;
constexpr uint64_t kMaxReservedNodes = uint64_t{1} << 24;

absl::Status Invalid(auto&&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

}  // namespace

absl::Status SnapshotAssembler::AddHeader(const v1::SnapshotHeader& header) {
  if (has_header_) {
    return Invalid("header repeated: an upload has exactly one header, first");
  }
  if (header.name().size() > kMaxNameBytes) {
    return Invalid("header.name is ", header.name().size(),
                   " bytes, at most ", kMaxNameBytes, " are allowed");
  }
  header_ = header;
  has_header_ = true;
  const uint64_t reserve_edges =
      std::min(header.expected_edges(), kMaxReservedEdges);
  if (reserve_edges > 0) {
    edges_.sources.reserve(reserve_edges);
    edges_.targets.reserve(reserve_edges);
    if (header.weighted()) edges_.weights.reserve(reserve_edges);
  }
  const uint64_t reserve_nodes =
      std::min(header.expected_nodes(), kMaxReservedNodes);
  if (reserve_nodes > 0) edges_.nodes.reserve(reserve_nodes);
  return absl::OkStatus();
}

absl::Status SnapshotAssembler::AddNodes(const v1::NodeChunk& chunk) {
  ++node_chunks_;
  if (!has_header_) {
    return Invalid("header missing: the first message of an upload must be "
                   "the header, got a node chunk");
  }
  edges_.nodes.insert(edges_.nodes.end(), chunk.ids().begin(), chunk.ids().end());
  return absl::OkStatus();
}

absl::Status SnapshotAssembler::AddEdges(const v1::EdgeChunk& chunk) {
  const uint64_t index = edge_chunks_++;
  if (!has_header_) {
    return Invalid("header missing: the first message of an upload must be "
                   "the header, got an edge chunk");
  }
  const int n = chunk.source_size();
  if (chunk.target_size() != n) {
    return Invalid("edge chunk ", index, ": source has ", n,
                   " values but target has ", chunk.target_size());
  }
  if (header_.weighted()) {
    if (chunk.weight_size() != n) {
      return Invalid("edge chunk ", index, ": weight has ", chunk.weight_size(),
                     " values but source has ", n,
                     " (the snapshot is weighted: one weight per edge)");
    }
    for (int i = 0; i < n; ++i) {
      const float w = chunk.weight(i);
      if (!(std::isfinite(w) && w > 0)) {
        return Invalid("edge chunk ", index, ", edge ", i, " (", chunk.source(i),
                       " -> ", chunk.target(i),
                       "): weight must be finite and > 0, got ", w);
      }
    }
  } else if (chunk.weight_size() != 0) {
    return Invalid("edge chunk ", index, ": has ", chunk.weight_size(),
                   " weights but the snapshot header says weighted = false");
  }
  edges_.sources.insert(edges_.sources.end(), chunk.source().begin(),
                        chunk.source().end());
  edges_.targets.insert(edges_.targets.end(), chunk.target().begin(),
                        chunk.target().end());
  if (header_.weighted()) {
    edges_.weights.insert(edges_.weights.end(), chunk.weight().begin(),
                          chunk.weight().end());
  }
  return absl::OkStatus();
}

absl::Status SnapshotAssembler::AddInitialVectors(
    const v1::InitialVectorChunk& chunk) {
  const uint64_t index = vector_chunks_++;
  if (!has_header_) {
    return Invalid("header missing: the first message of an upload must be "
                   "the header, got an initial vector chunk");
  }
  const uint64_t rows = chunk.node_ids_size();
  const uint32_t dims = chunk.dimensions();
  if (dims == 0 || dims > 65536) {
    return Invalid("initial vector chunk ", index,
                   ": dimensions must be between 1 and 65536, got ", dims);
  }
  if (initial_dims_ != 0 && dims != initial_dims_) {
    return Invalid("initial vector chunk ", index, ": dimensions is ", dims,
                   " but earlier chunks had ", initial_dims_);
  }
  const uint64_t bytes = rows * dims * sizeof(float);
  if (chunk.vectors().size() != bytes) {
    return Invalid("initial vector chunk ", index, ": vectors has ",
                   chunk.vectors().size(), " bytes, expected ", rows, " x ", dims,
                   " x 4 = ", bytes);
  }
  const bool has_context = !chunk.context().empty();
  if (has_context && chunk.context().size() != bytes) {
    return Invalid("initial vector chunk ", index, ": context has ",
                   chunk.context().size(), " bytes, expected ", bytes);
  }
  if (initial_dims_ != 0 && has_context != initial_context_) {
    return Invalid("initial vector chunk ", index,
                   ": context must be given in every chunk or in none");
  }
  initial_dims_ = dims;
  initial_context_ = has_context;
  initial_ids_.insert(initial_ids_.end(), chunk.node_ids().begin(),
                      chunk.node_ids().end());
  const size_t at = initial_vectors_.size();
  initial_vectors_.resize(at + rows * dims);
  std::memcpy(initial_vectors_.data() + at, chunk.vectors().data(), bytes);
  if (has_context) {
    initial_context_values_.resize(at + rows * dims);
    std::memcpy(initial_context_values_.data() + at, chunk.context().data(), bytes);
  }
  for (size_t i = at; i < initial_vectors_.size(); ++i) {
    if (!std::isfinite(initial_vectors_[i]) ||
        (has_context && !std::isfinite(initial_context_values_[i]))) {
      return Invalid("initial vector chunk ", index, ": node ",
                     initial_ids_[i / dims], " has a NaN or infinite value");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<SnapshotAssembler::Initial> SnapshotAssembler::TakeInitial() {
  Initial out;
  auto vectors = Embeddings::FromRows(initial_ids_, initial_dims_, initial_vectors_);
  if (!vectors.ok()) {
    return Invalid("initial vectors: ", vectors.status().message());
  }
  out.vectors = std::move(*vectors);
  if (initial_context_) {
    auto context = Embeddings::FromRows(std::move(initial_ids_), initial_dims_,
                                        initial_context_values_);
    if (!context.ok()) {
      return Invalid("initial context: ", context.status().message());
    }
    out.context = std::move(*context);
  }
  std::vector<float>().swap(initial_vectors_);
  std::vector<float>().swap(initial_context_values_);
  return out;
}

absl::Status SnapshotAssembler::Add(const v1::UploadSnapshotRequest& message) {
  switch (message.part_case()) {
    case v1::UploadSnapshotRequest::kHeader:
      return AddHeader(message.header());
    case v1::UploadSnapshotRequest::kNodes:
      return AddNodes(message.nodes());
    case v1::UploadSnapshotRequest::kEdges:
      return AddEdges(message.edges());
    case v1::UploadSnapshotRequest::kInitialVectors:
      return AddInitialVectors(message.initial_vectors());
    case v1::UploadSnapshotRequest::PART_NOT_SET:
      break;
  }
  return Invalid("upload message has no part: set header, nodes, edges or initial_vectors");
}

uint64_t SnapshotAssembler::bytes() const {
  return edges_.sources.capacity() * sizeof(int64_t) +
         edges_.targets.capacity() * sizeof(int64_t) +
         edges_.weights.capacity() * sizeof(float) +
         edges_.nodes.capacity() * sizeof(int64_t) +
         initial_ids_.capacity() * sizeof(int64_t) +
         (initial_vectors_.capacity() + initial_context_values_.capacity()) *
             sizeof(float);
}

absl::StatusOr<EdgeList> SnapshotAssembler::Finish() {
  if (!has_header_) {
    return Invalid("header missing: the upload ended without a header");
  }
  const uint64_t edges = edges_.sources.size();
  if (header_.expected_edges() > 0 && header_.expected_edges() != edges) {
    return Invalid("header.expected_edges is ", header_.expected_edges(),
                   " but ", edges, " edges arrived");
  }
  if (header_.expected_nodes() > 0 &&
      header_.expected_nodes() != edges_.nodes.size()) {
    return Invalid("header.expected_nodes is ", header_.expected_nodes(),
                   " but ", edges_.nodes.size(), " node ids arrived");
  }
  if (edges == 0 && edges_.nodes.empty()) {
    return Invalid("empty graph: the upload has no nodes and no edges");
  }
  if (header_.strict_node_list()) {
    absl::flat_hash_set<int64_t> known(edges_.nodes.begin(), edges_.nodes.end());
    for (uint64_t i = 0; i < edges; ++i) {
      for (const auto* column : {&edges_.sources, &edges_.targets}) {
        const int64_t id = (*column)[i];
        if (!known.contains(id)) {
          return Invalid("edge ", i, ": ",
                         column == &edges_.sources ? "source " : "target ", id,
                         " is not in the node list (header.strict_node_list)");
        }
      }
    }
  }
  return std::move(edges_);
}

}  // namespace n2v::sidecar
