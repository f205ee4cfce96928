// n2v.graph.list([graphName]): the caller's named graphs (an admin's: every
// user's, each with its owner as configuration.username), with GDS's
// columns.
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

public class GraphListProc {
  /** Stands for "no name given", as GDS's default does. */
  private static final String ALL = "__n2v_all_graphs__";

  @Context public GraphDatabaseService db;
  @Context public Transaction tx;

  public static class ListRow extends GraphInfo.Row {
    public Map<String, Object> degreeDistribution;
  }

  @Procedure(name = "n2v.graph.list", mode = Mode.READ)
  @Description("Lists the named graphs of the caller (an admin: of every user), or the one "
      + "named, with their sizes, schema and projection.")
  public Stream<ListRow> list(@Name(value = "graphName", defaultValue = ALL) String graphName) {
    CallerIdentity caller = CallerIdentity.of(tx, db);
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      return NamedGraph.list(client).stream()
          .filter(g -> graphName == null || graphName.equals(ALL) || g.name().equals(graphName))
          .map(g -> {
            ListRow row = GraphInfo.fill(new ListRow(), g);
            row.degreeDistribution = g.projection().degreeDistribution();
            return row;
          }).toList().stream();
    }
  }
}
