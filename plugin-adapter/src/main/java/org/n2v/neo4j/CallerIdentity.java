// Who a procedure call acts for on the sidecar: the authenticated Neo4j
// user, the database, and whether the user is a Neo4j admin. The plugin
// sends it with every RPC (SidecarClient), and the sidecar keeps every
// user's graphs, jobs and vectors apart by it.
//
// What the security context reports (Neo4j 5.26, checked by
// SecurityContextTest): executingUser() is the login name, or "" when
// authentication is disabled (everyone is then one user). roles() holds
// the user's roles on Enterprise Edition; on Community Edition it is empty
// for every user, the initial 'neo4j' user included, so no one is an admin
// there, as in GDS's catalog.
package org.n2v.neo4j;

import java.util.Optional;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Transaction;
import org.neo4j.internal.kernel.api.security.SecurityContext;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;

record CallerIdentity(String user, String database, boolean admin) {
  /** The Neo4j role whose members see and act on every user's work. */
  static final String ADMIN_ROLE = "admin";

  static CallerIdentity of(Transaction tx, GraphDatabaseService db) {
    SecurityContext context = ((InternalTransaction) tx).securityContext();
    return new CallerIdentity(context.subject().executingUser(), db.databaseName(),
        context.roles().contains(ADMIN_ROLE));
  }

  /**
   * The identity for GDS's `username` key: an admin may act on another
   * user's catalog; anyone may name themselves.
   */
  CallerIdentity actingAs(Optional<String> username) {
    if (username.isEmpty() || username.get().equals(user)) return this;
    if (!admin) {
      throw new IllegalArgumentException("Only an admin may act for another user: configuration "
          + "key 'username' is '" + username.get() + "', but the caller is '" + user + "'");
    }
    return new CallerIdentity(username.get(), database, true);
  }

  /** The same user on another database (GDS's dbName); "" keeps this one. */
  CallerIdentity onDatabase(String name) {
    return name == null || name.isEmpty() ? this : new CallerIdentity(user, name, admin);
  }
}
