// n2v.graph.nodeProperty.stream(graphName, nodeProperties, nodeLabels,
// configuration) YIELD nodeId, propertyValue, nodeLabels: as
// gds.graph.nodeProperty.stream, the vectors n2v.mutate stored on a named
// graph. nodeLabels are the projected labels whose Neo4j label the node
// has in the database now (n2v keeps no labels on the sidecar).
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.n2v.grpc.v1.FetchEmbeddingsRequest;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.NotFoundException;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class NodePropertyStreamProc {
  /** GDS's keys of this procedure's configuration. */
  static final Set<String> KEYS = ConfigKeys.union(ConfigKeys.BASE, Set.of("concurrency"));

  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;

  public static class PropertyRow {
    public long nodeId;
    public Object propertyValue;
    public List<String> nodeLabels;

    PropertyRow(long nodeId, Object propertyValue, List<String> nodeLabels) {
      this.nodeId = nodeId;
      this.propertyValue = propertyValue;
      this.nodeLabels = nodeLabels;
    }
  }

  @Procedure(name = "n2v.graph.nodeProperty.stream", mode = Mode.READ)
  @Description("Streams a node property n2v.mutate stored on a named graph: one row per node.")
  public Stream<PropertyRow> stream(
      @Name("graphName") String graphName,
      @Name("nodeProperties") String nodeProperty,
      @Name(value = "nodeLabels", defaultValue = "['*']") Object nodeLabels,
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    GraphNames.check(graphName);
    ProcedureConfig config = ProcedureConfig.parse(configuration, KEYS);
    List<String> filter = labels(nodeLabels);
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.username());
    VectorSpool spool;
    Map<String, String> projected;
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      NamedGraph graph = NamedGraph.require(client, graphName, caller);
      projected = graph.projection().neo4jLabels();
      checkLabels(filter, projected.keySet(), graphName);
      spool = VectorSpool.fetch(client, FetchEmbeddingsRequest.newBuilder()
              .setGraphName(graph.requireHolderOf(nodeProperty)).setNodeProperty(nodeProperty),
          "node property '" + nodeProperty + "' of graph '" + graphName + "'", guard);
    }
    return spool.stream()
        .map(row -> new PropertyRow(row.nodeId(), Vectors.toList(row.vector()),
            labelsOf(row.nodeId(), projected)))
        .filter(row -> filter.contains("*")
            || row.nodeLabels.stream().anyMatch(filter::contains));
  }

  private static List<String> labels(Object nodeLabels) {
    if (nodeLabels instanceof String s) return List.of(s);
    if (nodeLabels instanceof List<?> list && list.stream().allMatch(String.class::isInstance)
        && !list.isEmpty()) {
      return list.stream().map(String.class::cast).toList();
    }
    throw new IllegalArgumentException("nodeLabels must be a label or a list of labels, got "
        + ProcedureConfig.describe(nodeLabels));
  }

  private static void checkLabels(List<String> filter, Set<String> projected, String graphName) {
    if (filter.contains("*")) return;
    Set<String> unknown = new TreeSet<>(filter);
    unknown.removeAll(projected);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("Could not find the specified nodeLabels " + unknown
          + " in graph '" + graphName + "'. Its labels: " + new TreeSet<>(projected));
    }
  }

  /**
   * The projected labels whose Neo4j label the node has now (for a '*'
   * projection, all of the node's labels).
   */
  private List<String> labelsOf(long nodeId, Map<String, String> projected) {
    Set<String> out = new TreeSet<>();
    try {
      Node node = tx.getNodeById(nodeId);
      for (Label l : node.getLabels()) {
        projected.forEach((name, label) -> {
          if (label.equals("*")) out.add(l.name());
          else if (label.equals(l.name())) out.add(name);
        });
      }
    } catch (NotFoundException deleted) {
      // deleted since it was projected: no labels
    }
    return new ArrayList<>(out);
  }
}
