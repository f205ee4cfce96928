// n2v.edgeFeatures.stream(config) YIELD sourceNodeId, targetNodeId, features
// and n2v.edgeFeatures.write(config): link features (the node2vec paper's
// Average, Hadamard, Weighted-L1, Weighted-L2, plus cosine and dot) for the
// selected relationships or explicit pairs. The vectors come from an earlier
// job (config key jobId, e.g. the jobId n2v.write returned), from a node
// property n2v.mutate stored on a named graph (graphName, nodeProperty), or
// from a new run on the selection.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.n2v.grpc.v1.EdgeFeaturesRequest;
import org.n2v.grpc.v1.FeatureChunk;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.NotFoundException;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class EdgeFeaturesProc {
  private static final int PAIRS_PER_CHUNK = 4096;

  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  public static class FeatureRow {
    public long sourceNodeId;
    public long targetNodeId;
    public List<Double> features;

    FeatureRow(long source, long target, List<Double> features) {
      this.sourceNodeId = source;
      this.targetNodeId = target;
      this.features = features;
    }
  }

  public static class FeaturesWriteResult {
    public long relationshipsWritten;
    public long preProcessingMillis;
    public long computeMillis;
    public long writeMillis;
    public String operator;
    public String jobId;
  }

  /**
   * Where the vectors are: a job (jobId) or a named graph's node property
   * (graphName, nodeProperty on the sidecar graph holding it), and whether
   * this call started the job.
   */
  private record JobVectors(String jobId, String graphName, String nodeProperty, boolean owned,
      long preProcessingMillis, long computeMillis) {
    EdgeFeaturesRequest.Builder request() {
      return EdgeFeaturesRequest.newBuilder().setJobId(jobId).setGraphName(graphName)
          .setNodeProperty(nodeProperty);
    }

    org.n2v.grpc.v1.PairFeaturesHeader.Builder header() {
      return org.n2v.grpc.v1.PairFeaturesHeader.newBuilder().setJobId(jobId)
          .setGraphName(graphName).setNodeProperty(nodeProperty);
    }
  }

  private JobVectors vectors(ProcedureConfig config, SidecarClient client, String procedure,
      CallerIdentity caller) {
    if (config.jobId().isPresent()) {
      return new JobVectors(config.jobId().get(), "", "", false, 0, 0);
    }
    if (config.string("graphName").isPresent()) {
      String property = config.string("nodeProperty").get();
      NamedGraph graph = NamedGraph.require(client, config.string("graphName").get(), caller);
      return new JobVectors("", graph.requireHolderOf(property), property, false, 0, 0);
    }
    EmbeddingPipeline.Run run = EmbeddingPipeline.run(tx, config, client, guard, log,
        new JobRunner.JobTag(procedure, java.util.UUID.randomUUID().toString(), true));
    return new JobVectors(run.job().getJobId(), "", "", true, run.preProcessingMillis(),
        run.computeMillis());
  }

  private static List<FeatureRow> rows(FeatureChunk chunk) {
    int width = chunk.getWidth();
    float[] values = new float[chunk.getSourceCount() * width];
    ByteBuffer.wrap(chunk.getFeatures().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer().get(values);
    List<FeatureRow> rows = new ArrayList<>(chunk.getSourceCount());
    for (int i = 0; i < chunk.getSourceCount(); i++) {
      List<Double> f = new ArrayList<>(width);
      for (int j = 0; j < width; j++) f.add((double) values[i * width + j]);
      rows.add(new FeatureRow(chunk.getSource(i), chunk.getTarget(i), f));
    }
    return rows;
  }

  @Procedure(name = "n2v.edgeFeatures.stream", mode = Mode.READ)
  @Description("Streams edge features (operator: AVERAGE, HADAMARD, WEIGHTED_L1, WEIGHTED_L2, "
      + "COSINE, DOT) for the selected relationships, or for explicit pairs.")
  public Stream<FeatureRow> stream(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    ProcedureConfig config = EdgeFeaturesConfig.parseStream(configuration);
    CallerIdentity caller = CallerIdentity.of(tx, db);
    SidecarClient client = SidecarClient.open(db, caller);
    JobVectors vectors = null;
    try {
      vectors = vectors(config, client, "n2v.edgeFeatures.stream", caller);
      JobVectors used = vectors;
      Runnable cleanup = () -> {
        if (used.owned()) EmbeddingPipeline.deleteJob(client, used.jobId());
        client.close();
      };
      if (config.pairs().isPresent()) {
        long[][] pairs = config.pairs().get();
        List<FeatureRow> out = new ArrayList<>(pairs.length);
        try (PairFeatureSession session =
            new PairFeatureSession(client, used.header(), config.operator(), guard)) {
          long[] sources = new long[PAIRS_PER_CHUNK];
          long[] targets = new long[PAIRS_PER_CHUNK];
          for (int begin = 0; begin < pairs.length; begin += PAIRS_PER_CHUNK) {
            int n = Math.min(PAIRS_PER_CHUNK, pairs.length - begin);
            for (int i = 0; i < n; i++) {
              sources[i] = pairs[begin + i][0];
              targets[i] = pairs[begin + i][1];
            }
            out.addAll(rows(session.compute(sources, targets, n)));
          }
        } finally {
          cleanup.run();
        }
        return out.stream();
      }
      io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
      Iterator<FeatureChunk> chunks;
      try {
        chunks = call.call(() -> client.blocking.edgeFeatures(
            used.request().setOperator(config.operator()).build()));
      } catch (Exception e) {
        throw client.translate(e, "computing edge features");
      }
      Iterator<List<FeatureRow>> batches = new Iterator<>() {
        @Override
        public boolean hasNext() {
          try {
            return chunks.hasNext();
          } catch (StatusRuntimeException e) {
            throw client.translate(e, "computing edge features");
          }
        }

        @Override
        public List<FeatureRow> next() { return rows(chunks.next()); }
      };
      return StreamSupport.stream(
              Spliterators.spliteratorUnknownSize(batches, Spliterator.ORDERED), false)
          .flatMap(List::stream)
          .onClose(() -> {
            call.cancel(null);
            cleanup.run();
          });
    } catch (RuntimeException e) {
      if (vectors != null && vectors.owned()) EmbeddingPipeline.deleteJob(client, vectors.jobId());
      client.close();
      throw e;
    }
  }

  @Procedure(name = "n2v.edgeFeatures.write", mode = Mode.WRITE)
  @Description("Writes an edge feature (operator) of each selected relationship to its "
      + "writeProperty: float[] for vector operators, a float for COSINE and DOT.")
  public Stream<FeaturesWriteResult> write(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    ProcedureConfig config = EdgeFeaturesConfig.parseWrite(configuration);
    if (config.pairs().isPresent()) {
      throw new IllegalArgumentException("n2v.edgeFeatures.write writes relationship "
          + "properties: select relationships with nodeLabels/relationshipTypes, not pairs");
    }
    String property = config.writeProperty();
    int batchSize = Math.min(config.writeBatchSize(), PAIRS_PER_CHUNK * 16);
    CallerIdentity caller = CallerIdentity.of(tx, db);
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      JobVectors vectors = vectors(config, client, "n2v.edgeFeatures.write", caller);
      long writeStart = System.nanoTime();
      long[] written = {0};
      try (PairFeatureSession session =
          new PairFeatureSession(client, vectors.header(), config.operator(), guard)) {
        long[] ids = new long[batchSize];
        long[] sources = new long[batchSize];
        long[] targets = new long[batchSize];
        int[] n = {0};
        Runnable flush = () -> {
          if (n[0] == 0) return;
          written[0] += writeBatch(session.compute(sources, targets, n[0]), ids, n[0], property);
          n[0] = 0;
        };
        try {
          new GraphSelection(tx, config, guard).visit(new GraphSelection.Visitor() {
            @Override
            public void node(Node node) { }

            @Override
            public void edge(Relationship rel, long source, long target, float weight) {
              ids[n[0]] = rel.getId();
              sources[n[0]] = source;
              targets[n[0]] = target;
              if (++n[0] == batchSize) flush.run();
            }
          });
          flush.run();
        } catch (RuntimeException e) {
          // Batches are committed as they go: say what is left behind.
          if (written[0] == 0) throw e;
          throw ProcedureErrors.failure("n2v.edgeFeatures.write failed after writing '" + property
              + "' on " + written[0] + " relationships: those hold new values, the others "
              + "old ones. Re-run it to complete it (re-runs are idempotent). Cause: "
              + e.getMessage(), e);
        }
      } finally {
        if (vectors.owned()) EmbeddingPipeline.deleteJob(client, vectors.jobId());
      }
      FeaturesWriteResult result = new FeaturesWriteResult();
      result.relationshipsWritten = written[0];
      result.preProcessingMillis = vectors.preProcessingMillis();
      result.computeMillis = vectors.computeMillis();
      result.writeMillis = (System.nanoTime() - writeStart) / 1_000_000;
      result.operator = config.operator().name().replace("EDGE_OPERATOR_", "");
      result.jobId = vectors.jobId();
      return Stream.of(result);
    }
  }

  private long writeBatch(FeatureChunk chunk, long[] ids, int n, String property) {
    int width = chunk.getWidth();
    float[] values = new float[n * width];
    ByteBuffer.wrap(chunk.getFeatures().toByteArray()).order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer().get(values);
    long count = 0;
    try (Transaction write = db.beginTx()) {
      for (int i = 0; i < n; i++) {
        Relationship rel;
        try {
          rel = write.getRelationshipById(ids[i]);
        } catch (NotFoundException deleted) {
          continue;
        }
        if (width == 1) {
          rel.setProperty(property, (double) values[i]);
        } else {
          float[] f = new float[width];
          System.arraycopy(values, i * width, f, 0, width);
          rel.setProperty(property, f);
        }
        count++;
      }
      write.commit();
    }
    return count;
  }
}
