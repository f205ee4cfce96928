// n2v.estimate(config): memory and time a run would need, before running it.
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
    ProcedureConfig config = ProcedureConfig.parse(configuration, ProcedureConfig.Kind.ESTIMATE);
    GraphSelection selection = new GraphSelection(tx, config, guard);
    long[] counts = {0, 0};
    selection.visit(new GraphSelection.Visitor() {
      @Override
      public void node(Node node) { counts[0]++; }

      @Override
      public void edge(Relationship rel, long source, long target, float weight) { counts[1]++; }
    });
    try (SidecarClient client = new SidecarClient(SidecarSettings.resolve(db, config))) {
      Estimate e;
      try {
        e = client.blocking.estimateJob(EstimateJobRequest.newBuilder()
            .setNodes(Math.max(1, counts[0])).setEdges(counts[1])
            .setDirected(selection.directed()).setWeighted(selection.weighted())
            .setParams(config.node2VecParams()).build());
      } catch (StatusRuntimeException ex) {
        throw client.translate(ex, "estimating");
      }
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
