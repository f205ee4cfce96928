// n2v.stream(config) YIELD nodeId, embedding — like gds.node2vec.stream.
package org.n2v.neo4j;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class StreamProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  public static class EmbeddingRow {
    public long nodeId;
    public List<Double> embedding;

    EmbeddingRow(long nodeId, List<Double> embedding) {
      this.nodeId = nodeId;
      this.embedding = embedding;
    }
  }

  @Procedure(name = "n2v.stream", mode = Mode.READ)
  @Description("Computes node2vec embeddings of the selected subgraph on the n2v sidecar and "
      + "streams them: one row per node, ordered by node id.")
  public Stream<EmbeddingRow> stream(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    ProcedureConfig config = ProcedureConfig.parse(configuration, ProcedureConfig.Kind.STREAM);
    SidecarClient client = new SidecarClient(SidecarSettings.resolve(db, config));
    try {
      EmbeddingPipeline.Run run = EmbeddingPipeline.run(tx, config, client, guard, log, "n2v.stream");
      String jobId = run.job().getJobId();
      VectorSpool spool;
      try {
        spool = VectorSpool.fetch(client, jobId, guard);
      } finally {
        EmbeddingPipeline.deleteJob(client, jobId);
        client.close();
      }
      return spool.stream().map(row -> new EmbeddingRow(row.nodeId(), Vectors.toList(row.vector())));
    } catch (RuntimeException e) {
      client.close();
      throw e;
    }
  }
}
