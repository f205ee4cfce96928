// Adds a projected graph to the caller's catalog, for both projections
// (n2v.graph.project and the Cypher aggregation n2v.graph.project): refuses
// a name in use, reads the projection once to count and check it, then
// uploads it with its weighted copies.
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
   * projection without nodes.
   */
  static Created create(SidecarClient client, TerminationGuard guard, Log log,
      JobRunner.JobTag tag, String graphName, ProjectedGraph graph, boolean undirected,
      Map<String, Object> configuration, Map<String, Map<String, Object>> nodeSchema,
      Map<String, Map<String, Object>> relationshipSchema, String empty) {
    long start = System.nanoTime();
    checkFree(client, graphName);
    ProjectionStats stats = ProjectionStats.of(graph);
    if (stats.nodeCount() == 0) throw new IllegalArgumentException(empty);
    GraphProjection projection =
        GraphProjection.of(configuration, nodeSchema, relationshipSchema, stats);
    Snapshot snapshot =
        ProjectionUploader.upload(client, guard, graphName, graph, undirected, projection);
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (tag.logProgress()) {
      log.info("%s [jobId %s]: projected graph '%s': %d nodes, %d relationships, %d ms",
          tag.label(), tag.trackingId(), graphName, stats.nodeCount(), stats.relationshipCount(),
          millis);
    }
    return new Created(snapshot, stats.nodeCount(), stats.relationshipCount(), millis);
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
