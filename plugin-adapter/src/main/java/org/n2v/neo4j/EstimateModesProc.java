// GDS's estimate procedures: n2v.stream.estimate, n2v.write.estimate and
// n2v.mutate.estimate(graphNameOrConfiguration, algoConfiguration), each
// checking its mode's keys (MemoryEstimation computes the columns).
package org.n2v.neo4j;

import java.util.Map;
import java.util.stream.Stream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;
import org.neo4j.procedure.TerminationGuard;

public class EstimateModesProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;

  @Procedure(name = "n2v.stream.estimate", mode = Mode.READ)
  @Description("Estimates the sidecar memory n2v.stream would need on a named graph, or on "
      + "the selection a configuration map describes.")
  public Stream<MemoryEstimation.Row> streamEstimate(
      @Name("graphNameOrConfiguration") Object graphNameOrConfiguration,
      @Name("algoConfiguration") Map<String, Object> algoConfiguration) {
    return estimate(AlgoConfig.parseEstimate("n2v.stream.estimate", graphNameOrConfiguration,
        algoConfiguration, StreamConfig.ANONYMOUS, StreamConfig.NAMED), false);
  }

  @Procedure(name = "n2v.write.estimate", mode = Mode.READ)
  @Description("Estimates the sidecar memory n2v.write would need on a named graph, or on "
      + "the selection a configuration map describes.")
  public Stream<MemoryEstimation.Row> writeEstimate(
      @Name("graphNameOrConfiguration") Object graphNameOrConfiguration,
      @Name("algoConfiguration") Map<String, Object> algoConfiguration) {
    return estimate(WriteConfig.parseEstimate(graphNameOrConfiguration, algoConfiguration), false);
  }

  @Procedure(name = "n2v.mutate.estimate", mode = Mode.READ)
  @Description("Estimates the sidecar memory n2v.mutate would need on a named graph, the "
      + "vectors it keeps included.")
  public Stream<MemoryEstimation.Row> mutateEstimate(
      @Name("graphNameOrConfiguration") Object graphNameOrConfiguration,
      @Name("algoConfiguration") Map<String, Object> algoConfiguration) {
    return estimate(MutateConfig.parseEstimate(graphNameOrConfiguration, algoConfiguration), true);
  }

  private Stream<MemoryEstimation.Row> estimate(AlgoConfig config, boolean keepsResult) {
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.map().username());
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      return Stream.of(MemoryEstimation.estimate(client, tx, config, caller, guard, keepsResult));
    }
  }
}
