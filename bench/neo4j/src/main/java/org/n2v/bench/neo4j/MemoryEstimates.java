// Each tool's own estimate of the memory one run needs on the loaded graph,
// graph included: n2v.estimate (the sidecar's graph, job and result bytes)
// and gds.node2vec.write.estimate on the same projection (GDS's heap).
package org.n2v.bench.neo4j;

import java.util.Locale;
import java.util.Map;
import org.neo4j.graphdb.GraphDatabaseService;

record MemoryEstimates(long n2vBytes, long gdsBytesMin, long gdsBytesMax) {

  static MemoryEstimates of(GraphDatabaseService db, ComparisonOptions o) {
    Map<String, Object> n2v = ToolRunners.n2vConfig(o);
    long n2vBytes = db.executeTransactionally("CALL n2v.estimate($config) YIELD graphBytes, "
        + "jobBytes, resultBytes RETURN graphBytes + jobBytes + resultBytes AS bytes",
        Map.of("config", n2v), r -> ((Number) r.next().get("bytes")).longValue());

    Map<String, Object> gds = ToolRunners.shared(o, true);
    gds.put("writeProperty", "estimate");
    Map<String, Object> projection = Map.of("nodeProjection", o.label, "relationshipProjection",
        Map.of("REL", Map.of("type", o.type, "orientation", "UNDIRECTED")));
    long[] gdsBytes = db.executeTransactionally("CALL gds.node2vec.write.estimate($projection, "
        + "$config) YIELD bytesMin, bytesMax RETURN bytesMin, bytesMax",
        Map.of("projection", projection, "config", gds), r -> {
          Map<String, Object> row = r.next();
          return new long[] {((Number) row.get("bytesMin")).longValue(),
              ((Number) row.get("bytesMax")).longValue()};
        });
    return new MemoryEstimates(n2vBytes, gdsBytes[0], gdsBytes[1]);
  }

  String toJson() {
    return String.format(Locale.ROOT,
        "{\"n2v_bytes\": %d, \"gds_bytes_min\": %d, \"gds_bytes_max\": %d}",
        n2vBytes, gdsBytesMin, gdsBytesMax);
  }
}
