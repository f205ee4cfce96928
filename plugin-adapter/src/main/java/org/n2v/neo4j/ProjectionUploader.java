// Uploads a projected graph to the sidecar as a named graph in one visit
// of it: the graph itself, unweighted, under its name, and a weighted copy
// per relationship property that can weigh node2vec (GraphNames), all
// streamed at once while the graph is visited (replayed from the
// projection buffer, or read from Neo4j). Undirected relationships in a
// directed graph (a projection that mixes orientations) go as both arcs.
// If any upload fails, the others are dropped: the catalog gets the whole
// graph or nothing.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import org.n2v.grpc.v1.EdgeChunk;
import org.n2v.grpc.v1.NodeChunk;
import org.n2v.grpc.v1.Snapshot;
import org.n2v.grpc.v1.SnapshotHeader;
import org.n2v.grpc.v1.UploadSnapshotRequest;
import org.neo4j.procedure.TerminationGuard;

final class ProjectionUploader implements ProjectedGraph.Visitor {
  /** One sidecar graph being uploaded: the unweighted one (weight -1) or a weighted copy. */
  private record Target(UploadStream stream, int weight, EdgeChunk.Builder edges) {}

  private final List<Target> targets = new ArrayList<>();
  private final boolean directed;
  private final NodeChunk.Builder nodes = NodeChunk.newBuilder();

  private ProjectionUploader(boolean directed) {
    this.directed = directed;
  }

  /** Uploads `graph` as `graphName`; returns the unweighted graph's snapshot. */
  static Snapshot upload(SidecarClient client, TerminationGuard guard, String graphName,
      ProjectedGraph graph, boolean undirected, GraphProjection projection) {
    ProjectionUploader uploader = new ProjectionUploader(!undirected);
    try {
      uploader.open(client, guard, graphName, -1, projection.toJson());
      for (String weight : projection.weights()) {
        uploader.open(client, guard, GraphNames.weighted(graphName, weight),
            graph.properties().indexOf(weight), "{\"weightOf\":" + quote(graphName) + "}");
      }
      graph.visit(uploader, false);
      uploader.flush();
    } catch (RuntimeException e) {
      uploader.targets.forEach(t -> t.stream().abort());
      throw e;
    }
    return uploader.finish(client);
  }

  private static String quote(String text) {
    return new com.google.gson.Gson().toJson(text);
  }

  private void open(SidecarClient client, TerminationGuard guard, String name, int weight,
      String projection) {
    UploadStream stream = UploadStream.open(client, guard);
    targets.add(new Target(stream, weight, EdgeChunk.newBuilder()));
    stream.send(UploadSnapshotRequest.newBuilder().setHeader(SnapshotHeader.newBuilder()
        .setName("n2v.graph.project").setGraphName(name).setDirected(directed)
        .setWeighted(weight >= 0).setProjection(projection)).build());
  }

  @Override
  public void node(long id, long degree) {
    nodes.addIds(id);
    if (nodes.getIdsCount() == GraphUploader.NODES_PER_CHUNK) sendNodes();
  }

  @Override
  public void relationship(long source, long target, boolean undirected, double[] values) {
    arc(source, target, values);
    if (undirected && directed && source != target) arc(target, source, values);
  }

  private void arc(long source, long target, double[] values) {
    for (Target t : targets) {
      t.edges().addSource(source).addTarget(target);
      if (t.weight() >= 0) t.edges().addWeight((float) values[t.weight()]);
    }
    if (targets.get(0).edges().getSourceCount() == GraphUploader.EDGES_PER_CHUNK) sendEdges();
  }

  private void sendNodes() {
    UploadSnapshotRequest message = UploadSnapshotRequest.newBuilder().setNodes(nodes).build();
    for (Target t : targets) t.stream().send(message);
    nodes.clear();
  }

  private void sendEdges() {
    for (Target t : targets) {
      t.stream().send(UploadSnapshotRequest.newBuilder().setEdges(t.edges()).build());
      t.edges().clear();
    }
  }

  private void flush() {
    if (nodes.getIdsCount() > 0) sendNodes();
    if (targets.get(0).edges().getSourceCount() > 0) sendEdges();
  }

  /** Ends every upload; on any failure drops the graphs already built. */
  private Snapshot finish(SidecarClient client) {
    targets.forEach(t -> t.stream().complete());
    List<Snapshot> built = new ArrayList<>();
    RuntimeException failure = null;
    for (Target t : targets) {
      try {
        built.add(t.stream().await());
      } catch (RuntimeException e) {
        if (failure == null) failure = e;
      }
    }
    if (failure != null) {
      built.forEach(s -> EmbeddingPipeline.deleteSnapshot(client, s.getSnapshotId()));
      throw failure;
    }
    return built.get(0);
  }
}
