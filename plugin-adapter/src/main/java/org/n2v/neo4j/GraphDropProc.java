// n2v.graph.drop(graphName, failIfMissing, dbName, username): drops a named
// graph (with its weighted copies and mutated properties) from the sidecar
// and yields what it was. dbName names the database it was projected on
// (default the current one); username lets an admin drop another user's.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

public class GraphDropProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;

  @Procedure(name = "n2v.graph.drop", mode = Mode.READ)
  @Description("Drops a named graph from the sidecar and frees its memory.")
  public Stream<GraphInfo.Row> drop(
      @Name("graphName") Object graphName,
      @Name(value = "failIfMissing", defaultValue = "true") boolean failIfMissing,
      @Name(value = "dbName", defaultValue = "") String dbName,
      @Name(value = "username", defaultValue = "") String username) {
    CallerIdentity caller = CallerIdentity.of(tx, db)
        .actingAs(username.isEmpty() ? Optional.empty() : Optional.of(username))
        .onDatabase(dbName);
    List<String> names = names(graphName);
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      List<NamedGraph> found = new ArrayList<>();
      for (String name : names) {
        Optional<NamedGraph> graph = NamedGraph.find(client, name);
        if (graph.isEmpty() && failIfMissing) throw NamedGraph.notFound(name, caller);
        graph.ifPresent(found::add);
      }
      List<GraphInfo.Row> rows = new ArrayList<>();
      for (NamedGraph graph : found) {
        rows.add(GraphInfo.fill(new GraphInfo.Row(), graph));
        graph.drop(client);
      }
      return rows.stream();
    }
  }

  /** GDS takes a name or a list of names. */
  private static List<String> names(Object graphName) {
    if (graphName instanceof String name) return List.of(GraphNames.check(name));
    if (graphName instanceof List<?> list) {
      List<String> out = new ArrayList<>();
      for (Object item : list) {
        if (!(item instanceof String name)) {
          throw new IllegalArgumentException("graphName must be a name or a list of names, got "
              + ProcedureConfig.describe(item));
        }
        out.add(GraphNames.check(name));
      }
      return out;
    }
    throw new IllegalArgumentException("graphName must be a name or a list of names, got "
        + ProcedureConfig.describe(graphName));
  }
}
