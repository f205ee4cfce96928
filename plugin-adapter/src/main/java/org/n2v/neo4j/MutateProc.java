// n2v.mutate(graphName, configuration): as gds.node2vec.mutate, computes
// node2vec embeddings of a named graph and keeps them with the graph as the
// node property mutateProperty, for n2v.graph.nodeProperty.stream,
// n2v.edgeFeatures.* and n2v.write's nodeProperty.
package org.n2v.neo4j;

import java.util.ArrayList;
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

public class MutateProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  public static class MutateResult {
    public long nodeCount;
    public long nodePropertiesWritten;
    public List<Double> lossPerIteration;
    public long mutateMillis;
    public long postProcessingMillis;
    public long preProcessingMillis;
    public long computeMillis;
    public Map<String, Object> configuration;
  }

  @Procedure(name = "n2v.mutate", mode = Mode.READ)
  @Description("Computes node2vec embeddings of a named graph on the n2v sidecar and stores "
      + "them with the graph as the node property mutateProperty.")
  public Stream<MutateResult> mutate(
      @Name("graphName") String graphName,
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    long start = System.nanoTime();
    AlgoConfig config = MutateConfig.parse(graphName, configuration);
    String property = MutateConfig.mutateProperty(config.map());
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.map().username());
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      NamedGraph graph = NamedGraphRun.graph(client, config, caller);
      if (graph.holderOf(property).isPresent()) {
        throw new IllegalArgumentException("Node property '" + property + "' already exists in "
            + "graph '" + graph.name() + "'.");
      }
      EmbeddingPipeline.Run run = NamedGraphRun.run(client, graph, config, config.params(),
          property, JobRunner.JobTag.of("n2v.mutate", config), guard, log, start);
      // The vectors now live on the graph; the job's copy is not needed.
      EmbeddingPipeline.deleteJob(client, run.job().getJobId());
      MutateResult result = new MutateResult();
      result.nodeCount = graph.nodeCount();
      result.nodePropertiesWritten = run.job().getNodes();
      result.lossPerIteration = new ArrayList<>(run.job().getLossSumPerEpochList());
      result.preProcessingMillis = run.preProcessingMillis();
      result.computeMillis = run.computeMillis();
      result.configuration = config.resolved(run.job().getParams(), caller,
          Map.of("mutateProperty", property));
      return Stream.of(result);
    }
  }
}
