// half_upload_client: test helper that opens an UploadSnapshot stream to
// ADDRESS, sends the header and EDGE_CHUNKS chunks of a large graph, creates
// READY_FILE, and then waits (never closing the stream) until it is killed.
//
// usage: half_upload_client ADDRESS EDGE_CHUNKS READY_FILE
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "n2v/v1/n2v.grpc.pb.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr,
                 "usage: half_upload_client ADDRESS EDGE_CHUNKS READY_FILE\n");
    return 2;
  }
  const int chunks = std::atoi(argv[2]);
  auto stub = n2v::v1::N2v::NewStub(
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  n2v::v1::Snapshot snapshot;
  auto writer = stub->UploadSnapshot(&context, &snapshot);
  n2v::v1::UploadSnapshotRequest message;
  message.mutable_header()->set_name("half");
  if (!writer->Write(message)) return 1;
  for (int c = 0; c < chunks; ++c) {
    message.Clear();
    n2v::v1::EdgeChunk* edges = message.mutable_edges();
    for (int i = 0; i < 1000; ++i) {
      edges->add_source(c * 1000 + i);
      edges->add_target(c * 1000 + i + 1);
    }
    if (!writer->Write(message)) return 1;
  }
  std::ofstream(argv[3]) << "sent\n";
  while (true) pause();
}
