// Streams the selected subgraph to the sidecar as a snapshot upload while
// reading it: node and edge chunks go out as they fill, with gRPC flow
// control, so the JVM never holds more than a chunk.
package org.n2v.neo4j;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.n2v.grpc.v1.EdgeChunk;
import org.n2v.grpc.v1.InitialVectorChunk;
import org.n2v.grpc.v1.NodeChunk;
import org.n2v.grpc.v1.Snapshot;
import org.n2v.grpc.v1.SnapshotHeader;
import org.n2v.grpc.v1.UploadSnapshotRequest;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

final class GraphUploader {
  static final int NODES_PER_CHUNK = 65_536;
  static final int EDGES_PER_CHUNK = 32_768;

  static final int VECTORS_PER_CHUNK = 4096;

  record Uploaded(Snapshot snapshot, long nodes, long relationships, long initialVectors) {}

  /**
   * Warm start: read each node's previous vectors from these properties
   * (float[] or double[] of `dimensions`; a node needs both to count as
   * warm) and send them with the graph.
   */
  record WarmVectors(String property, String contextProperty, int dimensions) {}

  private GraphUploader() {}

  static Uploaded upload(Transaction tx, ProcedureConfig config, SidecarClient client,
      TerminationGuard guard, String name) {
    return upload(tx, config, client, guard, name, null);
  }

  static Uploaded upload(Transaction tx, ProcedureConfig config, SidecarClient client,
      TerminationGuard guard, String name, WarmVectors warm) {
    GraphSelection selection = new GraphSelection(tx, config, guard);
    UploadStream stream = UploadStream.open(client, guard);
    long[] counts = new long[3];
    try {
      stream.send(UploadSnapshotRequest.newBuilder().setHeader(SnapshotHeader.newBuilder()
          .setName(name).setDirected(selection.directed()).setWeighted(selection.weighted())
          .setTrackChanges(warm != null))
          .build());
      NodeChunk.Builder nodes = NodeChunk.newBuilder();
      VectorChunk vectors = warm == null ? null : new VectorChunk(warm.dimensions());
      EdgeChunk.Builder edges = EdgeChunk.newBuilder();
      selection.visit(new GraphSelection.Visitor() {
        @Override
        public void node(Node node) {
          long id = node.getId();
          counts[0]++;
          nodes.addIds(id);
          if (vectors != null && vectors.add(id, node.getProperty(warm.property(), null),
              node.getProperty(warm.contextProperty(), null))) {
            counts[2]++;
            if (vectors.rows == VECTORS_PER_CHUNK) {
              stream.send(vectors.message());
            }
          }
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
      if (vectors != null && vectors.rows > 0) stream.send(vectors.message());
      return new Uploaded(stream.finish(), counts[0], counts[1], counts[2]);
    } catch (RuntimeException e) {
      stream.abort();
      throw e;
    }
  }

  /** Initial vectors and context vectors being gathered into one chunk. */
  private static final class VectorChunk {
    private final int dimensions;
    private final ByteBuffer vectors;
    private final ByteBuffer context;
    private final InitialVectorChunk.Builder chunk = InitialVectorChunk.newBuilder();
    int rows;

    VectorChunk(int dimensions) {
      this.dimensions = dimensions;
      int bytes = VECTORS_PER_CHUNK * dimensions * Float.BYTES;
      this.vectors = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
      this.context = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Adds the node when both values are numeric arrays of the dimension. */
    boolean add(long id, Object vector, Object contextVector) {
      if (!fits(vector) || !fits(contextVector)) return false;
      put(vectors, vector);
      put(context, contextVector);
      chunk.addNodeIds(id);
      rows++;
      return true;
    }

    private boolean fits(Object value) {
      return (value instanceof float[] f && f.length == dimensions)
          || (value instanceof double[] d && d.length == dimensions);
    }

    private static void put(ByteBuffer buffer, Object value) {
      if (value instanceof float[] f) {
        for (float v : f) buffer.putFloat(v);
      } else {
        for (double v : (double[]) value) buffer.putFloat((float) v);
      }
    }

    UploadSnapshotRequest message() {
      chunk.setDimensions(dimensions)
          .setVectors(ByteString.copyFrom(vectors.array(), 0, vectors.position()))
          .setContext(ByteString.copyFrom(context.array(), 0, context.position()));
      UploadSnapshotRequest message =
          UploadSnapshotRequest.newBuilder().setInitialVectors(chunk).build();
      chunk.clear();
      vectors.clear();
      context.clear();
      rows = 0;
      return message;
    }
  }
}
