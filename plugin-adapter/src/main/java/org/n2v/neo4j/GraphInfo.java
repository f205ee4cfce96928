// The columns gds.graph.list and gds.graph.drop yield about a graph,
// computed from what the sidecar and the projection record: counts,
// density, the sidecar bytes of the graph and its weighted copies, times,
// the projection's configuration and GDS's schema maps.
package org.n2v.neo4j;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

final class GraphInfo {
  /** How GDS describes a node property n2v.mutate stored. */
  static final String MUTATED_PROPERTY = "List of Float (DefaultValue(null), TRANSIENT)";

  private GraphInfo() {}

  /** The columns gds.graph.drop yields (gds.graph.list adds degreeDistribution). */
  public static class Row {
    public String graphName;
    public String database;
    public String databaseLocation;
    public String memoryUsage;
    public long sizeInBytes;
    public long nodeCount;
    public long relationshipCount;
    public Map<String, Object> configuration;
    public double density;
    public ZonedDateTime creationTime;
    public ZonedDateTime modificationTime;
    public Map<String, Object> schema;
    public Map<String, Object> schemaWithOrientation;
  }

  static <R extends Row> R fill(R row, NamedGraph graph) {
    row.graphName = graph.name();
    row.database = graph.database();
    row.databaseLocation = "local";
    row.sizeInBytes = graph.sizeInBytes();
    row.memoryUsage = EstimateProc.humanBytes(row.sizeInBytes);
    row.nodeCount = graph.nodeCount();
    row.relationshipCount = graph.relationshipCount();
    row.configuration = new LinkedHashMap<>(graph.projection().configuration());
    row.configuration.put("username", graph.owner());
    row.density = row.nodeCount <= 1 ? 0
        : (double) row.relationshipCount / ((double) row.nodeCount * (row.nodeCount - 1));
    row.creationTime = time(graph.createdMillis());
    row.modificationTime = time(graph.lastUsedMillis());
    row.schema = schema(graph, false);
    row.schemaWithOrientation = schema(graph, true);
    return row;
  }

  private static ZonedDateTime time(long unixMillis) {
    return Instant.ofEpochMilli(unixMillis).atZone(ZoneId.systemDefault());
  }

  /**
   * {nodes: {label: {property: type}}, relationships: {type: {property: type}}
   * or, with orientation, {type: {direction, properties}}, graphProperties: {}}.
   */
  private static Map<String, Object> schema(NamedGraph graph, boolean withOrientation) {
    Map<String, Object> nodes = new TreeMap<>();
    graph.projection().nodeSchema().forEach((label, properties) -> {
      Map<String, Object> all = new TreeMap<>(properties);
      graph.nodeProperties().forEach(p -> all.put(p, MUTATED_PROPERTY));
      nodes.put(label, all);
    });
    Map<String, Object> relationships = new TreeMap<>();
    graph.projection().relationshipSchema().forEach((type, entry) -> {
      Object properties = entry.getOrDefault("properties", Map.of());
      if (withOrientation) {
        Map<String, Object> oriented = new LinkedHashMap<>();
        oriented.put("direction",
            "UNDIRECTED".equals(entry.get("orientation")) ? "UNDIRECTED" : "DIRECTED");
        oriented.put("properties", properties);
        relationships.put(type, oriented);
      } else {
        relationships.put(type, properties);
      }
    });
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("nodes", nodes);
    out.put("relationships", relationships);
    out.put("graphProperties", Map.of());
    return out;
  }
}
