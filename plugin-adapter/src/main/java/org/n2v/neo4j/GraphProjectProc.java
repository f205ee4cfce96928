// n2v.graph.project(graphName, nodeProjection, relationshipProjection,
// configuration): GDS's native projection. Reads the projected graph from
// Neo4j in the calling transaction and keeps it on the sidecar as a named
// graph of the caller, for n2v.stream/write/mutate('graphName', ...).
package org.n2v.neo4j;

import java.util.LinkedHashMap;
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

public class GraphProjectProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;
  @Context public TerminationGuard guard;
  @Context public Log log;

  public static class ProjectRow {
    public Map<String, Object> nodeProjection;
    public Map<String, Object> relationshipProjection;
    public String graphName;
    public long nodeCount;
    public long relationshipCount;
    public long projectMillis;
  }

  @Procedure(name = "n2v.graph.project", mode = Mode.READ)
  @Description("Projects the labels and relationship types given (GDS's forms) into a named "
      + "graph of the caller on the n2v sidecar.")
  public Stream<ProjectRow> project(
      @Name("graphName") String graphName,
      @Name("nodeProjection") Object nodeProjection,
      @Name("relationshipProjection") Object relationshipProjection,
      @Name(value = "configuration", defaultValue = "{}") Map<String, Object> configuration) {
    GraphNames.check(graphName);
    ProcedureConfig config = GraphProjectConfig.parse(configuration);
    NativeProjection projection =
        NativeProjection.parse(nodeProjection, relationshipProjection, config);
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(config.username());
    String trackingId = config.trackingId();
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      GraphCreation.checkFree(client, graphName);
      NativeGraphReader reader = new NativeGraphReader(tx, projection,
          config.bool("validateRelationships").orElse(false), guard);
      Map<String, Object> echo = GraphProjectConfig.echo(config, trackingId);
      echo.put("nodeProjection", projection.nodeProjectionMap());
      echo.put("relationshipProjection", projection.relationshipProjectionMap());
      GraphCreation.Created created = GraphCreation.create(client, guard, log,
          new JobRunner.JobTag("n2v.graph.project", trackingId, config.logProgress()),
          graphName, reader, projection.undirected(), echo, nodeSchema(projection),
          relationshipSchema(projection), "The projection is empty: no node has any of the "
              + "labels of the node projection.", ProjectionBuffer.limit());
      ProjectRow row = new ProjectRow();
      row.nodeProjection = projection.nodeProjectionMap();
      row.relationshipProjection = projection.relationshipProjectionMap();
      row.graphName = graphName;
      row.nodeCount = created.nodeCount();
      row.relationshipCount = created.relationshipCount();
      row.projectMillis = created.projectMillis();
      return Stream.of(row);
    }
  }

  private static Map<String, Map<String, Object>> nodeSchema(NativeProjection projection) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (NativeProjection.NodeProjection n : projection.nodes()) {
      Map<String, Object> properties = new LinkedHashMap<>();
      n.properties().forEach(p -> properties.put(p.name(), GraphCreation.describe(p, null)));
      out.put(n.name(), properties);
    }
    return out;
  }

  private static Map<String, Map<String, Object>> relationshipSchema(NativeProjection projection) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (NativeProjection.RelationshipProjection r : projection.relationships()) {
      Map<String, Object> properties = new LinkedHashMap<>();
      r.properties().forEach(p ->
          properties.put(p.name(), GraphCreation.describe(p, r.aggregation())));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("orientation", r.orientation().name());
      entry.put("properties", properties);
      out.put(r.name(), entry);
    }
    return out;
  }
}
