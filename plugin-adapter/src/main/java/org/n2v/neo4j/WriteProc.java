// n2v.write(graphName, configuration): computes embeddings of a named graph
// (as gds.node2vec.write), or n2v.write(configuration) of the selection it
// reads from Neo4j for this call, and writes them as float[] node
// properties.
//
// Guarantees (also in the README):
//  * Nothing is written until the job has succeeded and every vector has
//    arrived (spooled to a temporary file, not the heap).
//  * Vectors are written in batches of writeBatchSize nodes, each batch its
//    own transaction (NodeVectorWriter). nodePropertiesWritten is exactly the
//    number of nodes whose property was set; nodes deleted since they were
//    read are skipped, and a call that writes no node at all fails.
//  * If writing fails part way, the procedure fails and its message says how
//    many nodes hold new vectors; the property is then a mix of old and new
//    values, reported as incomplete, never as a success. Re-running n2v.write
//    overwrites every selected node's property and is idempotent (with
//    deterministic: true and the same randomSeed it writes identical vectors).
//  * Before anything runs: selected nodes created by the calling transaction
//    are refused (UncommittedNodes), and existing vector indexes are checked
//    against the call (VectorIndexes).
//
// Declared Mode.SCHEMA, not WRITE: a WRITE procedure may neither list indexes
// nor create one.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.n2v.grpc.v1.Job;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class WriteProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  public static class WriteResult {
    public long nodeCount;
    public long relationshipCount;
    public long nodePropertiesWritten;
    public long preProcessingMillis;
    public long computeMillis;
    public long writeMillis;
    public List<Double> lossPerIteration;
    public Map<String, Object> configuration;
    public String jobId;
    public String snapshotId;
    // Warm starts (warmStart: true): nodes that started from their stored
    // vectors, nodes new since the last run, nodes gone since it, how far
    // the other nodes' vectors moved after alignment (relative L2, mean and
    // 95th percentile over nodes whose edges did not change), whether the
    // run was incremental and from how many nodes its walks started.
    public long warmStartedNodes;
    public long nodesAdded;
    public long nodesRemoved;
    public double driftMean;
    public double driftP95;
    public boolean incremental;
    public long walkStartNodes;
  }

  @Procedure(name = "n2v.write", mode = Mode.SCHEMA)
  @Description("Computes node2vec embeddings on the n2v sidecar of a named graph, or of the "
      + "selection a configuration map describes, and writes them to the writeProperty of each "
      + "node, in batches, once all have arrived.")
  public Stream<WriteResult> write(
      @Name("graphName") Object graphName,
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    long start = System.nanoTime();
    AlgoConfig algo = WriteConfig.parse(graphName, configuration);
    ProcedureConfig config = algo.map();
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.username());
    JobRunner.JobTag tag = JobRunner.JobTag.of("n2v.write", algo);
    String property = config.writeProperty();
    List<String> labels = config.nodeLabels();
    String indexLabel = config.vectorIndex() ? VectorIndexes.label(config) : null;
    if (!algo.named()) {
      UncommittedNodes.refuseSelected(tx, labels);
    }
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      NamedGraph graph = algo.named() ? NamedGraphRun.graph(client, algo, caller) : null;
      final int dimension = config.embeddingDimension().orElseGet(
          () -> client.resolved(config.writeParams()).getEmbeddingDimension());
      VectorIndexes.Wanted index =
          indexLabel == null ? null : VectorIndexes.wanted(config, indexLabel, dimension);
      Optional<String> existingIndex = VectorIndexes.check(db,
          labels.contains("*") ? null : Set.copyOf(labels), index, property, dimension);
      GraphUploader.WarmVectors warm = config.warmStart()
          ? new GraphUploader.WarmVectors(property, config.contextProperty(), dimension)
          : null;
      EmbeddingPipeline.Run run = graph != null
          ? NamedGraphRun.run(client, graph, algo, config.writeParams(), "", tag, guard, log, start)
          : EmbeddingPipeline.run(tx, config, client, guard, log, tag, config.snapshotName(),
              uploaded -> config.writeParams(), warm);
      Job job = run.job();
      long writeStart = System.nanoTime();
      NodeVectorWriter.Outcome written;
      try (VectorSpool spool = VectorSpool.fetch(client, job.getJobId(), guard);
          VectorSpool context =
              warm == null ? null : VectorSpool.fetch(client, job.getJobId(), guard, true)) {
        written = NodeVectorWriter.write(db, guard, spool, context, property,
            warm == null ? null : warm.contextProperty(), config.writeBatchSize());
      }
      written.requireSomeWritten();
      String indexed = index == null ? "" : ", " + VectorIndexes.ensure(db, index,
          existingIndex, VectorIndexes.waitLimit(db), written.summary());
      log.info("n2v.write: %s%s (job %s)", written.summary(), indexed, job.getJobId());
      WriteResult result = new WriteResult();
      result.nodeCount = run.uploaded().nodes();
      result.relationshipCount = run.uploaded().relationships();
      result.nodePropertiesWritten = written.written();
      result.preProcessingMillis = run.preProcessingMillis();
      result.computeMillis = run.computeMillis();
      result.writeMillis = (System.nanoTime() - writeStart) / 1_000_000;
      result.lossPerIteration = new ArrayList<>(job.getLossSumPerEpochList());
      result.configuration = algo.resolved(job.getParams(), caller, WriteConfig.resolved(config));
      result.jobId = job.getJobId();
      result.snapshotId = run.uploaded().snapshot().getSnapshotId();
      result.warmStartedNodes = job.getWarmStartedNodes();
      result.nodesAdded = warm == null ? 0 : run.uploaded().nodes() - job.getWarmStartedNodes();
      result.nodesRemoved = run.uploaded().snapshot().getRemovedNodes();
      result.driftMean = job.getDrift().getMean();
      result.driftP95 = job.getDrift().getP95();
      result.incremental = job.getIncremental();
      result.walkStartNodes = job.getWalkStartNodes();
      return Stream.of(result);
    }
  }
}
