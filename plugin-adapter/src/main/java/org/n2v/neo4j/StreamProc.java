// n2v.stream(graphName, configuration) YIELD nodeId, embedding: as
// gds.node2vec.stream on a named graph, or n2v.stream(configuration) on
// the selection it reads from Neo4j for this call.
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
  @Description("Computes node2vec embeddings on the n2v sidecar of a named graph, or of the "
      + "selection a configuration map describes, and streams them: one row per node, ordered "
      + "by node id.")
  public Stream<EmbeddingRow> stream(
      @Name("graphName") Object graphName,
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    long start = System.nanoTime();
    AlgoConfig config = StreamConfig.parse(graphName, configuration);
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.map().username());
    JobRunner.JobTag tag = JobRunner.JobTag.of("n2v.stream", config);
    SidecarClient client = SidecarClient.open(db, caller);
    try {
      EmbeddingPipeline.Run run = config.named()
          ? NamedGraphRun.run(client, NamedGraphRun.graph(client, config, caller), config,
              config.params(), "", tag, guard, log, start)
          : EmbeddingPipeline.run(tx, config.map(), client, guard, log, tag);
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
