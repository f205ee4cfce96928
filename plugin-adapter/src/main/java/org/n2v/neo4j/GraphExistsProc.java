// n2v.graph.exists(graphName): whether the caller has a named graph of
// that name (another user's graph does not count).
package org.n2v.neo4j;

import java.util.stream.Stream;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Description;
import org.neo4j.procedure.Mode;
import org.neo4j.procedure.Name;
import org.neo4j.procedure.Procedure;

public class GraphExistsProc {
  @Context public GraphDatabaseService db;
  @Context public Transaction tx;

  public static class ExistsRow {
    public String graphName;
    public boolean exists;
  }

  @Procedure(name = "n2v.graph.exists", mode = Mode.READ)
  @Description("Whether the caller has a named graph of this name.")
  public Stream<ExistsRow> exists(@Name("graphName") String graphName) {
    GraphNames.check(graphName);
    try (SidecarClient client = SidecarClient.open(db, CallerIdentity.of(tx, db))) {
      ExistsRow row = new ExistsRow();
      row.graphName = graphName;
      row.exists = NamedGraph.find(client, graphName).isPresent();
      return Stream.of(row);
    }
  }
}
