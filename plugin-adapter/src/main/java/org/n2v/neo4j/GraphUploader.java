// Streams the selected subgraph to the sidecar as a snapshot upload while
// reading it: node and edge chunks go out as they fill, with gRPC flow
// control, so the JVM never holds more than a chunk.
package org.n2v.neo4j;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.n2v.grpc.v1.EdgeChunk;
import org.n2v.grpc.v1.NodeChunk;
import org.n2v.grpc.v1.Snapshot;
import org.n2v.grpc.v1.SnapshotHeader;
import org.n2v.grpc.v1.UploadSnapshotRequest;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

final class GraphUploader {
  static final int NODES_PER_CHUNK = 65_536;
  static final int EDGES_PER_CHUNK = 32_768;

  record Uploaded(Snapshot snapshot, long nodes, long relationships) {}

  private GraphUploader() {}

  static Uploaded upload(Transaction tx, ProcedureConfig config, SidecarClient client,
      TerminationGuard guard, String name) {
    GraphSelection selection = new GraphSelection(tx, config, guard);
    Stream stream = new Stream(guard, client);
    client.async.uploadSnapshot(stream);
    long[] counts = new long[2];
    try {
      stream.send(UploadSnapshotRequest.newBuilder().setHeader(SnapshotHeader.newBuilder()
          .setName(name).setDirected(selection.directed()).setWeighted(selection.weighted()))
          .build());
      NodeChunk.Builder nodes = NodeChunk.newBuilder();
      EdgeChunk.Builder edges = EdgeChunk.newBuilder();
      selection.visit(new GraphSelection.Visitor() {
        @Override
        public void node(long id) {
          counts[0]++;
          nodes.addIds(id);
          if (nodes.getIdsCount() == NODES_PER_CHUNK) {
            stream.send(UploadSnapshotRequest.newBuilder().setNodes(nodes).build());
            nodes.clear();
          }
        }

        @Override
        public void edge(Relationship relationship, long source, long target, float weight) {
          counts[1]++;
          edges.addSource(source).addTarget(target);
          if (selection.weighted()) edges.addWeight(weight);
          if (edges.getSourceCount() == EDGES_PER_CHUNK) {
            stream.send(UploadSnapshotRequest.newBuilder().setEdges(edges).build());
            edges.clear();
          }
        }
      });
      if (counts[0] == 0) {
        throw new IllegalArgumentException(config.nodeLabels().contains("*")
            ? "The selection is empty: the database has no nodes."
            : "The selection is empty: no node has any of the nodeLabels "
                + config.nodeLabels() + ". Check nodeLabels.");
      }
      if (nodes.getIdsCount() > 0) {
        stream.send(UploadSnapshotRequest.newBuilder().setNodes(nodes).build());
      }
      if (edges.getSourceCount() > 0) {
        stream.send(UploadSnapshotRequest.newBuilder().setEdges(edges).build());
      }
      stream.requests.onCompleted();
      return new Uploaded(stream.await(), counts[0], counts[1]);
    } catch (RuntimeException e) {
      stream.abort();
      throw e;
    }
  }

  /** The client side of the upload stream, waiting for flow control. */
  private static final class Stream
      implements ClientResponseObserver<UploadSnapshotRequest, Snapshot> {
    private final TerminationGuard guard;
    private final SidecarClient client;
    private final Object lock = new Object();
    private final CompletableFuture<Snapshot> result = new CompletableFuture<>();
    ClientCallStreamObserver<UploadSnapshotRequest> requests;

    Stream(TerminationGuard guard, SidecarClient client) {
      this.guard = guard;
      this.client = client;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<UploadSnapshotRequest> requests) {
      this.requests = requests;
      requests.setOnReadyHandler(() -> {
        synchronized (lock) {
          lock.notifyAll();
        }
      });
    }

    void send(UploadSnapshotRequest message) {
      synchronized (lock) {
        while (!requests.isReady() && !result.isDone()) {
          try {
            lock.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProcedureErrors.failure("Interrupted while uploading to the n2v sidecar", e);
          }
          guard.check();
        }
      }
      if (result.isDone()) {
        // The server ended the call early, with an error: report it.
        await();
      }
      requests.onNext(message);
    }

    Snapshot await() {
      try {
        while (true) {
          try {
            return result.get(100, java.util.concurrent.TimeUnit.MILLISECONDS);
          } catch (java.util.concurrent.TimeoutException e) {
            guard.check();
          }
        }
      } catch (ExecutionException e) {
        throw client.translate(e.getCause(), "uploading the graph");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ProcedureErrors.failure("Interrupted while uploading to the n2v sidecar", e);
      }
    }

    void abort() {
      if (!result.isDone()) {
        requests.onError(Status.CANCELLED.withDescription("upload aborted").asRuntimeException());
      }
    }

    @Override
    public void onNext(Snapshot snapshot) { result.complete(snapshot); }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
      synchronized (lock) {
        lock.notifyAll();
      }
    }

    @Override
    public void onCompleted() {
      if (!result.isDone()) {
        result.completeExceptionally(new IllegalStateException("upload ended without a snapshot"));
      }
    }
  }
}
