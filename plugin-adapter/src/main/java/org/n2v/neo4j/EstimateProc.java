// n2v.estimate(config): memory and time an anonymous run would need, before
// running it, in the sidecar's terms (graph, job and result bytes, the
// budget free now, seconds). GDS's estimate procedures are in
// EstimateModesProc.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.stream.Stream;
import org.n2v.grpc.v1.Estimate;
import org.n2v.grpc.v1.EstimateJobRequest;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Relationship;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class EstimateProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;

  public static class EstimateResult {
    public long nodeCount;
    public long relationshipCount;
    public long graphBytes;
    public long jobBytes;
    public long resultBytes;
    public long freeBytes;
    public boolean fits;
    public String requiredMemory;
    public double estimatedSeconds;
    public long walkNodes;
  }

  @Procedure(name = "n2v.estimate", mode = Mode.READ)
  @Description("Estimates the sidecar memory and the time n2v.stream/n2v.write would need for "
      + "this configuration, and whether it fits the sidecar's free memory now.")
  public Stream<EstimateResult> estimate(
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    AlgoConfig config = EstimateConfig.parse(configuration);
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.map().username());
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      long[] counts = new long[2];
      Estimate e = estimateSelection(client, tx, config, guard, counts);
      EstimateResult r = new EstimateResult();
      r.nodeCount = counts[0];
      r.relationshipCount = counts[1];
      r.graphBytes = e.getGraphBytes();
      r.jobBytes = e.getJobBytes();
      r.resultBytes = e.getResultBytes();
      r.freeBytes = e.getFreeBytes();
      r.fits = e.getFits();
      r.requiredMemory = humanBytes(e.getGraphBytes() + e.getJobBytes());
      r.estimatedSeconds = e.getEstimatedSeconds();
      r.walkNodes = e.getWalkNodes();
      return Stream.of(r);
    }
  }

  /**
   * The sidecar's estimate for an anonymous run on the selection, which it
   * counts first (nodes and relationships into `counts`).
   */
  static Estimate estimateSelection(SidecarClient client, Transaction tx, AlgoConfig config,
      TerminationGuard guard, long[] counts) {
    GraphSelection selection = new GraphSelection(tx, config.map(), guard);
    selection.visit(new GraphSelection.Visitor() {
      @Override
      public void node(Node node) { counts[0]++; }

      @Override
      public void edge(Relationship rel, long source, long target, float weight) { counts[1]++; }
    });
    try {
      return client.blocking.estimateJob(EstimateJobRequest.newBuilder()
          .setNodes(Math.max(1, counts[0])).setEdges(counts[1])
          .setDirected(selection.directed()).setWeighted(selection.weighted())
          .setParams(config.params()).build());
    } catch (StatusRuntimeException ex) {
      throw client.translate(ex, "estimating");
    }
  }

  static String humanBytes(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
