// The aggregation function n2v.graph.project(graphName, sourceNode,
// targetNode, dataConfig, configuration): GDS 2.4+'s Cypher projection.
// MATCH (s)-[r]->(t) WHERE ... RETURN n2v.graph.project('g', s, t, {...})
// keeps whatever subgraph a query selects as a named graph of the caller.
package org.n2v.neo4j;

import java.util.Map;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.TerminationGuard;
import org.neo4j.procedure.UserAggregationFunction;
import org.neo4j.procedure.UserAggregationResult;
import org.neo4j.procedure.UserAggregationUpdate;

public class CypherProjectionFunc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  @UserAggregationFunction(name = "n2v.graph.project")
  @Description("Projects the rows' nodes and relationships into a named graph of the caller "
      + "on the n2v sidecar (GDS's Cypher projection) and returns what it projected.")
  public Aggregator project() {
    return new Aggregator(new CypherProjection(db, tx, guard, log));
  }

  public static class Aggregator {
    private final CypherProjection projection;

    Aggregator(CypherProjection projection) {
      this.projection = projection;
    }

    @UserAggregationUpdate
    public void update(
        @Name("graphName") String graphName,
        @Name("sourceNode") Object sourceNode,
        @Name(value = "targetNode", defaultValue = "null") Object targetNode,
        @Name(value = "dataConfig", defaultValue = "null") Object dataConfig,
        @Name(value = "configuration", defaultValue = "null") Object configuration,
        @Name(value = "alphaMigrationConfig", defaultValue = "null") Object alphaMigrationConfig) {
      if (alphaMigrationConfig != null) {
        throw new IllegalArgumentException("n2v.graph.project takes no alphaMigrationConfig: "
            + "give the projection in GDS 2.4's form");
      }
      projection.add(graphName, sourceNode, targetNode, dataConfig, configuration);
    }

    @UserAggregationResult
    public Map<String, Object> result() {
      return projection.result();
    }
  }
}
