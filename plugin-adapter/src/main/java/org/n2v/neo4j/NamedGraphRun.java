// Runs node2vec on a named graph: finds the graph, checks the run's filter,
// picks the sidecar graph of its relationshipWeightProperty, then starts
// the job (storing the vectors on the graph for mutate) and follows it.
package org.n2v.neo4j;

import org.n2v.grpc.v1.Job;
import org.n2v.grpc.v1.Node2VecParams;
import org.n2v.grpc.v1.StartJobRequest;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class NamedGraphRun {
  private NamedGraphRun() {}

  /** The caller's graph, checked against the run's nodeLabels and relationshipTypes. */
  static NamedGraph graph(SidecarClient client, AlgoConfig config, CallerIdentity caller) {
    NamedGraph graph = NamedGraph.require(client, config.graphName().orElseThrow(), caller);
    graph.checkFilter(config.nodeLabels(), config.relationshipTypes());
    return graph;
  }

  /**
   * Runs the job on `graph`; `mutateProperty` (or "") names the node
   * property to store the vectors as.
   */
  static EmbeddingPipeline.Run run(SidecarClient client, NamedGraph graph, AlgoConfig config,
      Node2VecParams params, String mutateProperty, JobRunner.JobTag tag, TerminationGuard guard,
      Log log, long startNanos) {
    StartJobRequest.Builder request = StartJobRequest.newBuilder()
        .setGraphName(graph.sidecarGraph(config.weightProperty()))
        .setParams(params).setMutateProperty(mutateProperty);
    long started = System.nanoTime();
    Job job = JobRunner.run(client, request, tag, guard, log);
    long done = System.nanoTime();
    GraphUploader.Uploaded used = new GraphUploader.Uploaded(graph.graph(), graph.nodeCount(),
        graph.relationshipCount(), 0);
    return new EmbeddingPipeline.Run(used, job, (started - startNanos) / 1_000_000,
        (done - started) / 1_000_000);
  }
}
