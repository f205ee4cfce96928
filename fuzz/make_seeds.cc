// Writes the seed corpus of snapshot_fuzzer (the files checked in under
// fuzz/corpus/) in its record format: tag, 2-byte little-endian length,
// payload; see snapshot_fuzzer.cc.
//
// Usage: snapshot_fuzzer_seeds <output directory>
#include <cstdio>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <string>

#include "n2v/v1/n2v.pb.h"

namespace {

enum Tag : char { kMessage = 0, kHeader = 1, kNodes = 2, kEdges = 3 };

void Append(Tag tag, const google::protobuf::MessageLite& part,
            std::string* out) {
  const std::string payload = part.SerializeAsString();
  out->push_back(tag);
  out->push_back(static_cast<char>(payload.size() & 0xff));
  out->push_back(static_cast<char>(payload.size() >> 8));
  *out += payload;
}

n2v::v1::EdgeChunk Edges(std::initializer_list<int64_t> sources,
                         std::initializer_list<int64_t> targets,
                         std::initializer_list<float> weights = {}) {
  n2v::v1::EdgeChunk chunk;
  chunk.mutable_source()->Add(sources.begin(), sources.end());
  chunk.mutable_target()->Add(targets.begin(), targets.end());
  chunk.mutable_weight()->Add(weights.begin(), weights.end());
  return chunk;
}

bool Write(const std::string& dir, const std::string& name,
           const std::string& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out << bytes;
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;

  {  // Undirected, header then two edge chunks (parallel edge, self-loop).
    n2v::v1::SnapshotHeader header;
    header.set_name("seed-unweighted");
    header.set_expected_edges(6);
    std::string bytes;
    Append(kHeader, header, &bytes);
    Append(kEdges, Edges({1, 2, 3}, {2, 3, 1}), &bytes);
    Append(kEdges, Edges({2, 4, 4}, {1, 4, 1000}), &bytes);
    ok &= Write(dir, "unweighted_edges", bytes);
  }
  {  // Directed and weighted, with a strict node list including an isolated
     // node; each part wrapped as a whole UploadSnapshotRequest.
    n2v::v1::UploadSnapshotRequest message;
    n2v::v1::SnapshotHeader* header = message.mutable_header();
    header->set_name("seed-weighted");
    header->set_directed(true);
    header->set_weighted(true);
    header->set_expected_nodes(5);
    header->set_strict_node_list(true);
    std::string bytes;
    Append(kMessage, message, &bytes);
    message.Clear();
    for (int64_t id : {int64_t{-7}, int64_t{0}, int64_t{5}, int64_t{9},
                       int64_t{1} << 40}) {
      message.mutable_nodes()->add_ids(id);
    }
    Append(kMessage, message, &bytes);
    message.Clear();
    *message.mutable_edges() =
        Edges({-7, 0, 5, -7}, {0, 5, -7, 0}, {0.5f, 2.0f, 1e-3f, 1.5f});
    Append(kMessage, message, &bytes);
    ok &= Write(dir, "weighted_directed", bytes);
  }
  {  // Header and nodes only: a graph of isolated nodes.
    n2v::v1::SnapshotHeader header;
    header.set_name("seed-nodes");
    n2v::v1::NodeChunk nodes;
    for (int64_t id : {3, 1, 2, 3}) nodes.add_ids(id);
    std::string bytes;
    Append(kHeader, header, &bytes);
    Append(kNodes, nodes, &bytes);
    ok &= Write(dir, "header_nodes_only", bytes);
  }
  {  // Header alone: rejected as an empty graph.
    n2v::v1::SnapshotHeader header;
    header.set_name("seed-empty");
    std::string bytes;
    Append(kHeader, header, &bytes);
    ok &= Write(dir, "header_only", bytes);
  }
  if (!ok) {
    std::fprintf(stderr, "cannot write seeds to %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
