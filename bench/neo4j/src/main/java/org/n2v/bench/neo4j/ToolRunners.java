// Runs each tool once through Cypher, as a user would, and times it:
// n2v.write with one map (read + upload, compute in the sidecar, write
// back), the same through a named graph (n2v.graph.project + n2v.write +
// n2v.graph.drop) and GDS's gds.graph.project + gds.node2vec.write +
// gds.graph.drop. All get the same node2vec parameters; only the property
// they write differs.
package org.n2v.bench.neo4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.neo4j.graphdb.GraphDatabaseService;

final class ToolRunners {
  static final String N2V = "n2v";
  /** n2v through GDS's named-graph form: n2v.graph.project, n2v.write('g', ...), n2v.graph.drop. */
  static final String N2V_NAMED = "n2v-named";
  static final String GDS = "gds";
  /** GDS with its default learning rate (initialLearningRate 0.01) instead of ours. */
  static final String GDS_DEFAULT_LR = "gds-default-lr";

  private ToolRunners() {}

  /** The node property each tool writes. */
  static String property(String tool) {
    return tool.replace('-', '_');
  }

  static ToolRun run(GraphDatabaseService db, ComparisonOptions o, String tool, int round) {
    return switch (tool) {
      case N2V -> runN2v(db, o, round);
      case N2V_NAMED -> runN2vNamed(db, o, round);
      case GDS -> runGds(db, o, round, true);
      case GDS_DEFAULT_LR -> runGds(db, o, round, false);
      default -> throw new IllegalArgumentException("unknown tool " + tool);
    };
  }

  /** The parameters both tools take under the same (GDS) names. */
  static Map<String, Object> shared(ComparisonOptions o, boolean learningRate) {
    Map<String, Object> c = new HashMap<>();
    c.put("embeddingDimension", o.dimensions);
    c.put("walkLength", o.walkLength);
    c.put("walksPerNode", o.walksPerNode);
    c.put("windowSize", o.windowSize);
    c.put("negativeSamplingRate", o.negatives);
    c.put("iterations", o.iterations);
    c.put("returnFactor", o.p);
    c.put("inOutFactor", o.q);
    c.put("concurrency", o.concurrency);
    c.put("positiveSamplingFactor", 0.001);
    c.put("negativeSamplingExponent", 0.75);
    c.put("randomSeed", o.seed);
    if (learningRate) {
      c.put("initialLearningRate", o.learningRate);
      c.put("minLearningRate", 0.0001);
    }
    return c;
  }

  /** n2v's configuration: the shared parameters and the graph to read. */
  static Map<String, Object> n2vConfig(ComparisonOptions o) {
    Map<String, Object> config = shared(o, true);
    config.put("nodeLabels", List.of(o.label));
    config.put("relationshipTypes", List.of(o.type));
    config.put("orientation", "UNDIRECTED");
    return config;
  }

  private static ToolRun runN2v(GraphDatabaseService db, ComparisonOptions o, int round) {
    Map<String, Object> config = n2vConfig(o);
    config.put("writeProperty", property(N2V));
    long start = System.nanoTime();
    Map<String, Object> row = single(db, "CALL n2v.write($config) YIELD nodeCount, "
        + "nodePropertiesWritten, preProcessingMillis, computeMillis, writeMillis "
        + "RETURN *", Map.of("config", config));
    long wall = millisSince(start);
    return new ToolRun(N2V, round, wall, num(row, "preProcessingMillis"), num(row, "computeMillis"),
        num(row, "writeMillis"), num(row, "nodeCount"), num(row, "nodePropertiesWritten"));
  }

  /**
   * The same run as {@link #runN2v} through a named graph: the projection
   * (Label, TYPE undirected) is kept on the sidecar, n2v.write('g', ...)
   * gets the same algorithm keys, and the graph is dropped. Read is the
   * projection plus the write's pre-processing, as for GDS.
   */
  private static ToolRun runN2vNamed(GraphDatabaseService db, ComparisonOptions o, int round) {
    String graph = "n2v-bench-named-" + round;
    Map<String, Object> config = shared(o, true);
    config.put("writeProperty", property(N2V_NAMED));
    Map<String, Object> relationships =
        Map.of(o.type, Map.of("type", o.type, "orientation", "UNDIRECTED"));
    long start = System.nanoTime();
    Map<String, Object> projected = single(db,
        "CALL n2v.graph.project($graph, $label, $relationships, {readConcurrency: $concurrency}) "
            + "YIELD projectMillis RETURN projectMillis",
        Map.of("graph", graph, "label", o.label, "relationships", relationships,
            "concurrency", o.concurrency));
    long projectWall = millisSince(start);
    Map<String, Object> row;
    try {
      row = single(db, "CALL n2v.write($graph, $config) YIELD nodeCount, "
          + "nodePropertiesWritten, preProcessingMillis, computeMillis, writeMillis RETURN *",
          Map.of("graph", graph, "config", config));
    } finally {
      single(db, "CALL n2v.graph.drop($graph) YIELD graphName RETURN graphName",
          Map.of("graph", graph));
    }
    long wall = millisSince(start);
    long read = Math.max(projectWall, num(projected, "projectMillis")) + num(row, "preProcessingMillis");
    return new ToolRun(N2V_NAMED, round, wall, read, num(row, "computeMillis"),
        num(row, "writeMillis"), num(row, "nodeCount"), num(row, "nodePropertiesWritten"));
  }

  private static ToolRun runGds(GraphDatabaseService db, ComparisonOptions o, int round,
      boolean sameLearningRate) {
    String tool = sameLearningRate ? GDS : GDS_DEFAULT_LR;
    String graph = "n2v-bench-" + round;
    Map<String, Object> config = shared(o, sameLearningRate);
    config.put("writeProperty", property(tool));
    config.put("writeConcurrency", o.concurrency);
    long start = System.nanoTime();
    Map<String, Object> projected = single(db,
        "CALL gds.graph.project($graph, $label, {REL: {type: $type, orientation: 'UNDIRECTED'}}, "
            + "{readConcurrency: $concurrency}) YIELD projectMillis RETURN projectMillis",
        Map.of("graph", graph, "label", o.label, "type", o.type, "concurrency", o.concurrency));
    long projectWall = millisSince(start);
    Map<String, Object> row;
    try {
      row = single(db, "CALL gds.node2vec.write($graph, $config) YIELD nodeCount, "
          + "nodePropertiesWritten, preProcessingMillis, computeMillis, writeMillis RETURN *",
          Map.of("graph", graph, "config", config));
    } finally {
      single(db, "CALL gds.graph.drop($graph) YIELD graphName RETURN graphName",
          Map.of("graph", graph));
    }
    long wall = millisSince(start);
    long read = Math.max(projectWall, num(projected, "projectMillis")) + num(row, "preProcessingMillis");
    return new ToolRun(tool, round, wall, read, num(row, "computeMillis"), num(row, "writeMillis"),
        num(row, "nodeCount"), num(row, "nodePropertiesWritten"));
  }

  private static Map<String, Object> single(GraphDatabaseService db, String query,
      Map<String, Object> params) {
    return db.executeTransactionally(query, params, result -> {
      if (!result.hasNext()) throw new IllegalStateException("no row from: " + query);
      return result.next();
    });
  }

  private static long num(Map<String, Object> row, String key) {
    Object v = row.get(key);
    if (!(v instanceof Number n)) throw new IllegalStateException("no " + key + " in " + row);
    return n.longValue();
  }

  private static long millisSince(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
