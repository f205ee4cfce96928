// The result RPCs: a finished job's vectors and the features of edges and
// node pairs, all streamed in chunks below gRPC's message limit.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "grpc_status.h"
#include "handlers.h"
#include "n2v/edge_features.h"
#include "n2v/status_macros.h"

namespace n2v::sidecar {
namespace {

// Bytes of payload per streamed chunk, below gRPC's default 4 MiB limit on
// received messages.
constexpr uint64_t kMaxChunkBytes = 2u << 20;
constexpr uint32_t kDefaultChunkRows = 4096;

grpc::Status Invalid(auto&&... parts) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat(parts...));
}

uint32_t ChunkRows(uint32_t requested, uint64_t row_bytes) {
  const uint64_t cap = std::max<uint64_t>(1, kMaxChunkBytes / row_bytes);
  const uint64_t want = requested == 0 ? kDefaultChunkRows : requested;
  return static_cast<uint32_t>(std::min(want, cap));
}

absl::StatusOr<EdgeOperator> ToOperator(v1::EdgeOperator op) {
  switch (op) {
    case v1::EDGE_OPERATOR_AVERAGE:
      return EdgeOperator::kAverage;
    case v1::EDGE_OPERATOR_HADAMARD:
      return EdgeOperator::kHadamard;
    case v1::EDGE_OPERATOR_WEIGHTED_L1:
      return EdgeOperator::kWeightedL1;
    case v1::EDGE_OPERATOR_WEIGHTED_L2:
      return EdgeOperator::kWeightedL2;
    case v1::EDGE_OPERATOR_COSINE:
      return EdgeOperator::kCosine;
    case v1::EDGE_OPERATOR_DOT:
      return EdgeOperator::kDot;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "operator must be AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, "
          "COSINE or DOT, got ",
          static_cast<int>(op)));
  }
}

// Fills a feature chunk for the pairs of the given columns.
absl::Status FillFeatures(const Embeddings& embeddings, EdgeOperator op,
                          std::span<const int64_t> sources,
                          std::span<const int64_t> targets, uint64_t offset,
                          v1::FeatureChunk* chunk) {
  absl::StatusOr<std::vector<float>> features =
      ComputeEdgeFeatures(embeddings, sources, targets, op, /*num_threads=*/1);
  if (!features.ok()) return features.status();
  chunk->set_offset(offset);
  chunk->set_width(EdgeFeatureWidth(op, embeddings.dimensions()));
  chunk->mutable_source()->Assign(sources.begin(), sources.end());
  chunk->mutable_target()->Assign(targets.begin(), targets.end());
  chunk->set_features(features->data(), features->size() * sizeof(float));
  return absl::OkStatus();
}

// A chunk of rows [begin, end) of `e`; `bytes` is reused between chunks.
void FillRows(const Embeddings& e, uint64_t begin, uint64_t end,
              std::string& bytes, v1::EmbeddingChunk& chunk) {
  const uint32_t d = e.dimensions();
  chunk.Clear();
  chunk.set_offset(begin);
  chunk.set_total_rows(e.size());
  chunk.set_dimensions(d);
  bytes.resize((end - begin) * d * sizeof(float));
  for (uint64_t r = begin; r < end; ++r) {
    chunk.add_node_ids(e.id(r));
    std::memcpy(bytes.data() + (r - begin) * d * sizeof(float),
                e.row(r).data(), d * sizeof(float));
  }
  chunk.mutable_vectors()->swap(bytes);
}

// Collects a graph's edges (each undirected edge once, ascending) into
// feature chunks and sends each through `send`.
class EdgeChunker {
 public:
  EdgeChunker(uint32_t per_chunk, uint64_t offset,
              absl::FunctionRef<grpc::Status(std::span<const int64_t>,
                                             std::span<const int64_t>, uint64_t)>
                  send)
      : per_chunk_(per_chunk), next_offset_(offset), send_(send) {}

  grpc::Status Add(int64_t source, int64_t target) {
    sources_.push_back(source);
    targets_.push_back(target);
    return sources_.size() == per_chunk_ ? Flush() : grpc::Status::OK;
  }

  grpc::Status Flush() {
    if (sources_.empty()) return grpc::Status::OK;
    grpc::Status s = send_(sources_, targets_, next_offset_);
    next_offset_ += sources_.size();
    sources_.clear();
    targets_.clear();
    return s;
  }

 private:
  const uint32_t per_chunk_;
  uint64_t next_offset_;
  absl::FunctionRef<grpc::Status(std::span<const int64_t>,
                                 std::span<const int64_t>, uint64_t)>
      send_;
  std::vector<int64_t> sources_, targets_;
};

}  // namespace

absl::StatusOr<VectorSource> N2vHandlers::ResolveVectors(
    const Caller& caller, const std::string& job_id,
    const std::string& graph_name, const std::string& node_property,
    VectorKind kind) {
  VectorSource source;
  if (graph_name.empty()) {
    N2V_ASSIGN_OR_RETURN(source.vectors, jobs_.Vectors(caller, job_id, kind));
    N2V_ASSIGN_OR_RETURN(source.graph, jobs_.Graph(caller, job_id));
    source.description = absl::StrCat("job '", job_id, "'");
    return source;
  }
  if (!job_id.empty()) {
    return absl::InvalidArgumentError(
        "give job_id or graph_name with node_property, not both");
  }
  if (node_property.empty()) {
    return absl::InvalidArgumentError(
        "node_property is required with graph_name");
  }
  if (kind == VectorKind::kContext) {
    return absl::InvalidArgumentError(
        "context vectors are a job's: node properties hold the embeddings only");
  }
  N2V_ASSIGN_OR_RETURN(source.vectors,
                       snapshots_.Property(caller, graph_name, node_property));
  N2V_ASSIGN_OR_RETURN(SnapshotStore::Entry entry,
                       snapshots_.Get(caller, {.graph_name = graph_name}));
  source.graph = entry.graph;
  source.description =
      absl::StrCat("graph '", graph_name, "' property '", node_property, "'");
  return source;
}

grpc::Status N2vHandlers::StreamVectors(Context* context,
                                        const VectorSource& source,
                                        uint64_t offset, uint32_t chunk_rows,
                                        WriteChunk write) {
  const Embeddings& e = *source.vectors;
  const uint64_t total = e.size();
  if (offset > total) {
    return grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                        absl::StrCat("offset ", offset, " is past the ", total,
                                     " rows of ", source.description));
  }
  const uint32_t rows = ChunkRows(chunk_rows, uint64_t{e.dimensions()} * 4 + 8);
  v1::EmbeddingChunk chunk;
  std::string bytes;
  for (uint64_t begin = offset; begin < total; begin += rows) {
    if (context->IsCancelled()) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "fetch cancelled");
    }
    FillRows(e, begin, std::min<uint64_t>(total, begin + rows), bytes, chunk);
    if (!write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    chunk.mutable_vectors()->swap(bytes);
  }
  if (total == offset) {
    // Still tell an up-to-date client the shape of the result.
    FillRows(e, offset, offset, bytes, chunk);
    write(chunk);
  }
  return grpc::Status::OK;
}

grpc::Status N2vHandlers::FetchEmbeddings(
    const Caller& caller, Context* context,
    const v1::FetchEmbeddingsRequest* request,
    grpc::ServerWriter<v1::EmbeddingChunk>* writer) {
  absl::StatusOr<VectorSource> source = ResolveVectors(
      caller, request->job_id(), request->graph_name(), request->node_property(),
      request->context() ? VectorKind::kContext : VectorKind::kEmbeddings);
  if (!source.ok()) return ToGrpcStatus(source.status());
  return StreamVectors(
      context, *source, request->offset(), request->chunk_rows(),
      [&](const v1::EmbeddingChunk& chunk) { return writer->Write(chunk); });
}

grpc::Status N2vHandlers::EdgeFeatures(
    const Caller& caller, Context* context,
    const v1::EdgeFeaturesRequest* request,
    grpc::ServerWriter<v1::FeatureChunk>* writer) {
  absl::StatusOr<EdgeOperator> op = ToOperator(request->operator_());
  if (!op.ok()) return ToGrpcStatus(op.status());
  absl::StatusOr<VectorSource> source =
      ResolveVectors(caller, request->job_id(), request->graph_name(),
                     request->node_property(), VectorKind::kEmbeddings);
  if (!source.ok()) return ToGrpcStatus(source.status());
  const CsrGraph& g = source->graph->graph;
  const Embeddings& e = *source->vectors;
  const uint32_t width = EdgeFeatureWidth(*op, e.dimensions());
  auto send = [&](std::span<const int64_t> sources,
                  std::span<const int64_t> targets,
                  uint64_t offset) -> grpc::Status {
    v1::FeatureChunk chunk;
    if (absl::Status s = FillFeatures(e, *op, sources, targets, offset, &chunk);
        !s.ok()) {
      return ToGrpcStatus(s);
    }
    if (context->IsCancelled() || !writer->Write(chunk)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    return grpc::Status::OK;
  };
  EdgeChunker chunker(ChunkRows(request->chunk_pairs(), width * 4 + 16),
                      request->offset(), send);
  uint64_t index = 0;  // edges seen so far, in stream order
  for (NodeIndex v = 0; v < g.num_nodes(); ++v) {
    for (NodeIndex x : g.out_neighbors(v)) {
      if (!g.directed() && x < v) continue;  // each undirected edge once
      if (index++ < request->offset()) continue;
      if (grpc::Status s = chunker.Add(g.original_id(v), g.original_id(x));
          !s.ok()) {
        return s;
      }
    }
  }
  return chunker.Flush();
}

grpc::Status N2vHandlers::PairFeatures(
    const Caller& caller, Context*,
    grpc::ServerReaderWriter<v1::FeatureChunk, v1::PairFeaturesRequest>*
        stream) {
  v1::PairFeaturesRequest message;
  if (!stream->Read(&message) || !message.has_header()) {
    return Invalid("header missing: the first message of PairFeatures must "
                   "be the header");
  }
  const v1::PairFeaturesHeader header = message.header();
  absl::StatusOr<EdgeOperator> op = ToOperator(header.operator_());
  if (!op.ok()) return ToGrpcStatus(op.status());
  absl::StatusOr<VectorSource> source =
      ResolveVectors(caller, header.job_id(), header.graph_name(),
                     header.node_property(), VectorKind::kEmbeddings);
  if (!source.ok()) return ToGrpcStatus(source.status());
  uint64_t offset = 0, chunk_index = 0;
  while (stream->Read(&message)) {
    if (message.has_header()) {
      return Invalid("header repeated: PairFeatures takes one header, first");
    }
    const v1::PairChunk& pairs = message.pairs();
    if (pairs.source_size() != pairs.target_size()) {
      return Invalid("pair chunk ", chunk_index, ": source has ",
                     pairs.source_size(), " values but target has ",
                     pairs.target_size());
    }
    v1::FeatureChunk chunk;
    absl::Status s = FillFeatures(
        *source->vectors, *op,
        std::span<const int64_t>(pairs.source().data(), pairs.source_size()),
        std::span<const int64_t>(pairs.target().data(), pairs.target_size()),
        offset, &chunk);
    if (!s.ok()) {
      return ToGrpcStatus(absl::Status(
          s.code(), absl::StrCat("pair chunk ", chunk_index, ": ", s.message())));
    }
    offset += pairs.source_size();
    ++chunk_index;
    if (!stream->Write(chunk)) break;
  }
  return grpc::Status::OK;
}

}  // namespace n2v::sidecar
