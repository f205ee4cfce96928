// A test-only procedure that reports what Neo4j's security context says
// about the caller, the facts CallerIdentity relies on.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.security.SecurityContext;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.procedure.Context;
import org.neo4j.procedure.Procedure;

public class SecurityContextProbe {
  @Context public Transaction tx;

  public static class Row {
    public String executingUser;
    public List<String> roles;
  }

  @Procedure(name = "test.securityContext")
  public Stream<Row> securityContext() {
    SecurityContext context = ((InternalTransaction) tx).securityContext();
    Row row = new Row();
    row.executingUser = context.subject().executingUser();
    row.roles = new ArrayList<>(context.roles());
    row.roles.sort(null);
    return Stream.of(row);
  }
}
