// Reads the vectors a tool wrote as node properties and saves them as a
// word2vec text file keyed by the nodes' `id` property, for the quality
// harness; then removes the property in batches so the next run writes
// into a graph in the same state.
package org.n2v.bench.neo4j;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.neo4j.graphdb.GraphDatabaseService;

final class EmbeddingExport {
  private EmbeddingExport() {}

  /** Writes `label` nodes' `property` vectors to `file`; returns how many nodes had one. */
  static long save(GraphDatabaseService db, String label, String property, Path file)
      throws IOException {
    List<String> lines = new ArrayList<>();
    int[] dims = {-1};
    db.executeTransactionally(
        "MATCH (n:`" + label + "`) WHERE n[$p] IS NOT NULL RETURN n.id AS id, n[$p] AS v",
        Map.of("p", property), result -> {
          while (result.hasNext()) {
            Map<String, Object> row = result.next();
            double[] v = toDoubles(row.get("v"));
            if (dims[0] < 0) dims[0] = v.length;
            if (v.length != dims[0]) {
              throw new IllegalStateException("node " + row.get("id") + ": " + property + " has "
                  + v.length + " dimensions, others " + dims[0]);
            }
            StringBuilder line = new StringBuilder().append(row.get("id"));
            for (double x : v) line.append(' ').append((float) x);
            lines.add(line.toString());
          }
          return null;
        });
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write(lines.size() + " " + Math.max(dims[0], 0) + "\n");
      for (String line : lines) out.write(line + "\n");
    }
    return lines.size();
  }

  static void remove(GraphDatabaseService db, String label, String property) {
    String query = "MATCH (n:`" + label + "`) WHERE n[$p] IS NOT NULL WITH n LIMIT 20000 "
        + "REMOVE n." + "`" + property + "` RETURN count(*) AS c";
    long removed;
    do {
      removed = db.executeTransactionally(query, Map.of("p", property),
          r -> ((Number) r.next().get("c")).longValue());
    } while (removed > 0);
  }

  private static double[] toDoubles(Object value) {
    if (value instanceof float[] f) {
      double[] d = new double[f.length];
      for (int i = 0; i < f.length; i++) d[i] = f[i];
      return d;
    }
    if (value instanceof double[] d) return d;
    throw new IllegalStateException("not a vector property: " + value.getClass().getSimpleName());
  }
}
