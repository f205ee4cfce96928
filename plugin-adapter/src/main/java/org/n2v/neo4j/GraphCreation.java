// Adds a projected graph to the caller's catalog, for both projections
// (n2v.graph.project and the Cypher aggregation n2v.graph.project): counts
// and checks the projection, then uploads it with its weighted copies. The
// sidecar graph's header, which must open its upload, records what only the
// whole projection tells (counts, degree distribution, usable weights), so
// the upload starts after the counting read. A native projection that fits
// the projection buffer (ProjectionBuffer.limit, by Neo4j's counts) is held
// by that read and uploaded from memory: Neo4j is read once. A larger one
// is read again for the upload, as the upload goes. A Cypher projection's
// rows are in memory already.
package org.n2v.neo4j;

import java.util.Map;
import org.n2v.grpc.v1.Snapshot;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class GraphCreation {
  /** What a projection made: GDS's counts and the time it took. */
  record Created(Snapshot graph, long nodeCount, long relationshipCount, long projectMillis) {}

  private GraphCreation() {}

  /** GDS's message for a name in use. */
  static IllegalArgumentException alreadyExists(String graphName) {
    return new IllegalArgumentException("A graph with name '" + graphName + "' already exists.");
  }

  static void checkFree(SidecarClient client, String graphName) {
    if (NamedGraph.find(client, graphName).isPresent()) throw alreadyExists(graphName);
  }

  /**
   * Counts and checks `graph`, then uploads it as `graphName` with the
   * projection's configuration and schema. `empty` is the message for a
   * projection without nodes; `bufferBytes` what a native projection may
   * be held in (ProjectionBuffer.limit).
   */
  static Created create(SidecarClient client, TerminationGuard guard, Log log,
      JobRunner.JobTag tag, String graphName, ProjectedGraph graph, boolean undirected,
      Map<String, Object> configuration, Map<String, Map<String, Object>> nodeSchema,
      Map<String, Map<String, Object>> relationshipSchema, String empty, long bufferBytes) {
    long start = System.nanoTime();
    ProjectionStats stats = new ProjectionStats(graph.properties());
    ProjectedGraph upload = read(graph, stats, bufferBytes);
    if (stats.nodeCount() == 0) throw new IllegalArgumentException(empty);
    GraphProjection projection =
        GraphProjection.of(configuration, nodeSchema, relationshipSchema, stats);
    Snapshot snapshot =
        ProjectionUploader.upload(client, guard, graphName, upload, undirected, projection);
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (tag.logProgress()) {
      log.info("%s [jobId %s]: projected graph '%s': %d nodes, %d relationships, %d ms",
          tag.label(), tag.trackingId(), graphName, stats.nodeCount(), stats.relationshipCount(),
          millis);
    }
    return new Created(snapshot, stats.nodeCount(), stats.relationshipCount(), millis);
  }

  /**
   * Counts and checks `graph` into `stats`; returns what the upload visits:
   * the graph as read into a ProjectionBuffer when it fits `bufferBytes`,
   * the graph itself otherwise (held already, or read again).
   */
  static ProjectedGraph read(ProjectedGraph graph, ProjectionStats stats, long bufferBytes) {
    ProjectedGraph.Bounds bounds = graph.held() ? null : graph.bounds();
    if (bounds == null
        || ProjectionBuffer.bytes(bounds, graph.properties().size()) > bufferBytes) {
      graph.visit(stats, graph.held());
      return graph;
    }
    ProjectionBuffer buffer = new ProjectionBuffer(graph.properties());
    graph.visit(new ProjectedGraph.Visitor() {
      @Override
      public void node(long id, long degree) {
        stats.node(id, degree);
        buffer.node(id, degree);
      }

      @Override
      public void relationship(long source, long target, boolean undirected, double[] values) {
        stats.relationship(source, target, undirected, values);
        buffer.relationship(source, target, undirected, values);
      }
    }, true);
    return buffer;
  }

  /** How GDS describes a projected property in a schema. */
  static String describe(PropertyProjection p, PropertyProjection.Aggregation relationships) {
    String value = p.defaultValue() == null ? "NaN" : String.valueOf(p.defaultValue());
    if (relationships == null) return "Float (DefaultValue(" + value + "), PERSISTENT)";
    PropertyProjection.Aggregation a =
        p.aggregation() == PropertyProjection.Aggregation.DEFAULT ? relationships : p.aggregation();
    return "Float (DefaultValue(" + value + "), PERSISTENT, Aggregation." + a + ")";
  }
}
