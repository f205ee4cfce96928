// One timed run of one tool (n2v.write, n2v.graph.project followed by
// n2v.write('g', ...), or gds.graph.project followed by gds.node2vec.write)
// with its phases: read (database to the algorithm's
// graph), compute (walks and training) and write (vectors back as node
// properties), all in milliseconds.
package org.n2v.bench.neo4j;

record ToolRun(String tool, int round, long wallMillis, long readMillis, long computeMillis,
    long writeMillis, long nodes, long propertiesWritten) {

  /** One line of the report, naming the file its vectors were saved to. */
  String toJson(String embedding) {
    return String.format(java.util.Locale.ROOT,
        "{\"tool\": \"%s\", \"round\": %d, \"wall_ms\": %d, \"read_ms\": %d, \"compute_ms\": %d,"
            + " \"write_ms\": %d, \"nodes\": %d, \"properties_written\": %d, \"embedding\": \"%s\"}",
        tool, round, wallMillis, readMillis, computeMillis, writeMillis, nodes, propertiesWritten,
        embedding);
  }
}
