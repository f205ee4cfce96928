// Loads a graph into Neo4j over Bolt: nodes (id, name) and weighted edges
// from CSV files with a header (Les Miserables by default), in batches.
package org.n2v.quickstart;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Session;

final class SampleGraph {
  private static final int BATCH = 5000;

  record Counts(long nodes, long relationships) {}

  private SampleGraph() {}

  /**
   * Nodes from `nodesCsv` (id,name; may be null: ids from the edges) and
   * edges from `edgesCsv` (source,target[,weight]) under `label` and `type`.
   */
  static Counts load(Driver driver, Path nodesCsv, Path edgesCsv, String label, String type)
      throws IOException {
    List<Map<String, Object>> nodes = new ArrayList<>();
    Map<Long, Boolean> seen = new HashMap<>();
    if (nodesCsv != null) {
      for (String[] row : rows(nodesCsv)) {
        long id = Long.parseLong(row[0].strip());
        seen.put(id, true);
        nodes.add(Map.of("id", id, "name", row.length > 1 ? row[1].strip() : String.valueOf(id)));
      }
    }
    List<Map<String, Object>> edges = new ArrayList<>();
    for (String[] row : rows(edgesCsv)) {
      long s = Long.parseLong(row[0].strip());
      long t = Long.parseLong(row[1].strip());
      double w = row.length > 2 ? Double.parseDouble(row[2].strip()) : 1.0;
      edges.add(Map.of("source", s, "target", t, "weight", w));
      for (long id : new long[] {s, t}) {
        if (seen.putIfAbsent(id, true) == null) {
          nodes.add(Map.of("id", id, "name", String.valueOf(id)));
        }
      }
    }
    String l = "`" + label.replace("`", "``") + "`";
    String r = "`" + type.replace("`", "``") + "`";
    try (Session session = driver.session()) {
      session.run("CREATE INDEX IF NOT EXISTS FOR (n:" + l + ") ON (n.id)").consume();
      for (int i = 0; i < nodes.size(); i += BATCH) {
        session.run("UNWIND $rows AS row CREATE (:" + l + " {id: row.id, name: row.name})",
            Map.of("rows", nodes.subList(i, Math.min(nodes.size(), i + BATCH)))).consume();
      }
      session.run("CALL db.awaitIndexes(60)").consume();
      for (int i = 0; i < edges.size(); i += BATCH) {
        session.run("UNWIND $rows AS row MATCH (a:" + l + " {id: row.source}), (b:" + l
            + " {id: row.target}) CREATE (a)-[:" + r + " {weight: row.weight}]->(b)",
            Map.of("rows", edges.subList(i, Math.min(edges.size(), i + BATCH)))).consume();
      }
    }
    return new Counts(nodes.size(), edges.size());
  }

  private static List<String[]> rows(Path csv) throws IOException {
    List<String[]> out = new ArrayList<>();
    boolean header = true;
    for (String line : Files.readAllLines(csv)) {
      if (line.isBlank() || line.startsWith("#")) continue;
      String[] fields = line.split(",");
      if (header) {
        header = false;
        if (!fields[0].strip().matches("-?\\d+")) continue;
      }
      out.add(fields);
    }
    return out;
  }
}
