// GDS's memory-estimation columns (requiredMemory, treeView, mapView,
// bytesMin, bytesMax, nodeCount, relationshipCount, heapPercentageMin,
// heapPercentageMax) from the sidecar's EstimateJob. The bytes are sidecar
// bytes, exact rather than a range (bytesMin = bytesMax): the graph when it
// is not uploaded yet, the job's peak while training, and for mutate the
// vectors the graph then keeps. The heap percentages are of the sidecar's
// memory budget, where the work runs, not of Neo4j's heap.
package org.n2v.neo4j;

import io.grpc.StatusRuntimeException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.n2v.grpc.v1.Estimate;
import org.n2v.grpc.v1.EstimateJobRequest;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.TerminationGuard;

final class MemoryEstimation {
  private MemoryEstimation() {}

  public static class Row {
    public String requiredMemory;
    public String treeView;
    public Map<String, Object> mapView;
    public long bytesMin;
    public long bytesMax;
    public long nodeCount;
    public long relationshipCount;
    public double heapPercentageMin;
    public double heapPercentageMax;
  }

  /** The estimate of a run of `config` (named or anonymous); `keepsResult` for mutate. */
  static Row estimate(SidecarClient client, Transaction tx, AlgoConfig config,
      CallerIdentity caller, TerminationGuard guard, boolean keepsResult) {
    long[] counts = new long[2];
    Estimate e;
    if (config.named()) {
      NamedGraph graph = NamedGraphRun.graph(client, config, caller);
      counts[0] = graph.nodeCount();
      counts[1] = graph.relationshipCount();
      try {
        e = client.blocking.estimateJob(EstimateJobRequest.newBuilder()
            .setGraphName(graph.sidecarGraph(config.weightProperty()))
            .setParams(config.params()).build());
      } catch (StatusRuntimeException ex) {
        throw client.translate(ex, "estimating");
      }
    } else {
      e = EstimateProc.estimateSelection(client, tx, config, guard, counts);
    }
    return row(e, counts[0], counts[1], keepsResult);
  }

  static Row row(Estimate e, long nodes, long relationships, boolean keepsResult) {
    long result = keepsResult ? e.getResultBytes() : 0;
    long total = e.getGraphBytes() + e.getJobBytes() + result;
    Row row = new Row();
    row.requiredMemory = EstimateProc.humanBytes(total);
    row.bytesMin = total;
    row.bytesMax = total;
    row.nodeCount = nodes;
    row.relationshipCount = relationships;
    double percent = e.getBudgetBytes() == 0 ? 0 : 100.0 * total / e.getBudgetBytes();
    row.heapPercentageMin = percent;
    row.heapPercentageMax = percent;
    Map<String, Long> parts = new LinkedHashMap<>();
    if (e.getGraphBytes() > 0) parts.put("graph", e.getGraphBytes());
    parts.put("node2vec job (peak)", e.getJobBytes());
    if (keepsResult) parts.put("mutated node property", result);
    row.mapView = mapView("Node2Vec on the n2v sidecar", total, parts);
    row.treeView = treeView("Node2Vec on the n2v sidecar", total, parts);
    return row;
  }

  private static Map<String, Object> mapView(String name, long total, Map<String, Long> parts) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", name);
    out.put("memoryUsage", EstimateProc.humanBytes(total));
    out.put("components", parts.entrySet().stream().map(p -> {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("name", p.getKey());
      c.put("memoryUsage", EstimateProc.humanBytes(p.getValue()));
      return (Object) c;
    }).toList());
    return out;
  }

  private static String treeView(String name, long total, Map<String, Long> parts) {
    StringBuilder out = new StringBuilder(name + ": " + EstimateProc.humanBytes(total) + "\n");
    List<Map.Entry<String, Long>> entries = List.copyOf(parts.entrySet());
    for (Map.Entry<String, Long> p : entries) {
      out.append("|-- ").append(p.getKey()).append(": ")
          .append(EstimateProc.humanBytes(p.getValue())).append("\n");
    }
    return out.toString();
  }
}
