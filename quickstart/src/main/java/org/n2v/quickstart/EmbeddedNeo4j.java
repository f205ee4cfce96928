// An embedded Neo4j 5.26 with Bolt on loopback and the n2v procedures
// registered, in a temporary directory removed on close.
package org.n2v.quickstart;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.n2v.neo4j.CypherProjectionFunc;
import org.n2v.neo4j.EdgeFeaturesProc;
import org.n2v.neo4j.EstimateModesProc;
import org.n2v.neo4j.EstimateProc;
import org.n2v.neo4j.GraphDropProc;
import org.n2v.neo4j.GraphExistsProc;
import org.n2v.neo4j.GraphListProc;
import org.n2v.neo4j.GraphProjectProc;
import org.n2v.neo4j.JobsProc;
import org.n2v.neo4j.ListProgressProc;
import org.n2v.neo4j.MutateProc;
import org.n2v.neo4j.NodePropertyStreamProc;
import org.n2v.neo4j.N2vSettings;
import org.n2v.neo4j.StreamProc;
import org.n2v.neo4j.WriteProc;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

final class EmbeddedNeo4j implements AutoCloseable {
  private final Path home;
  private final DatabaseManagementService dbms;
  final int boltPort;

  private EmbeddedNeo4j(Path home, DatabaseManagementService dbms, int boltPort) {
    this.home = home;
    this.dbms = dbms;
    this.boltPort = boltPort;
  }

  static EmbeddedNeo4j start(int boltPort, String sidecarAddress) throws Exception {
    int port = boltPort == 0 ? freePort() : boltPort;
    Path home = Files.createTempDirectory("n2v-quickstart-neo4j");
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(GraphDatabaseSettings.auth_enabled, false)
        .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("n2v.*"))
        .setConfig(N2vSettings.SIDECAR_ADDRESS, sidecarAddress)
        .build();
    GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database("neo4j");
    GlobalProcedures procedures =
        db.getDependencyResolver().resolveDependency(GlobalProcedures.class);
    for (Class<?> proc : List.of(StreamProc.class, WriteProc.class, MutateProc.class,
        EdgeFeaturesProc.class, EstimateProc.class, EstimateModesProc.class, JobsProc.class,
        ListProgressProc.class, GraphProjectProc.class, GraphListProc.class, GraphDropProc.class,
        GraphExistsProc.class, NodePropertyStreamProc.class)) {
      procedures.registerProcedure(proc);
    }
    procedures.registerAggregationFunction(CypherProjectionFunc.class);
    return new EmbeddedNeo4j(home, dbms, port);
  }

  String boltUri() { return "bolt://127.0.0.1:" + boltPort; }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Override
  public void close() throws IOException {
    dbms.shutdown();
    try (Stream<Path> files = Files.walk(home)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
