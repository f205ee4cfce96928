// The benchmark's embedded Neo4j 5.26 (no Bolt, temporary directory removed
// on close) with the n2v procedures and the GDS procedures the comparison
// calls registered side by side (n2v's named-graph procedures included).
package org.n2v.bench.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.n2v.neo4j.EstimateProc;
import org.n2v.neo4j.N2vSettings;
import org.n2v.neo4j.WriteProc;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.gds.catalog.GraphDropProc;
import org.neo4j.gds.catalog.GraphProjectProc;
import org.neo4j.gds.embeddings.node2vec.Node2VecWriteProc;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

final class BenchDatabase implements AutoCloseable {
  private final Path home;
  private final DatabaseManagementService dbms;
  final GraphDatabaseService db;

  private BenchDatabase(Path home, DatabaseManagementService dbms, GraphDatabaseService db) {
    this.home = home;
    this.dbms = dbms;
    this.db = db;
  }

  static BenchDatabase start(String sidecarAddress) throws Exception {
    Path home = Files.createTempDirectory("n2v-bench-neo4j");
    DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
        .setConfig(GraphDatabaseSettings.procedure_unrestricted, List.of("n2v.*", "gds.*"))
        .setConfig(N2vSettings.SIDECAR_ADDRESS, sidecarAddress)
        .build();
    GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
    GlobalProcedures procedures = db.getDependencyResolver().resolveDependency(GlobalProcedures.class);
    for (Class<?> proc : List.of(WriteProc.class, EstimateProc.class,
        org.n2v.neo4j.GraphProjectProc.class, org.n2v.neo4j.GraphDropProc.class,
        GraphProjectProc.class, GraphDropProc.class, Node2VecWriteProc.class)) {
      procedures.registerProcedure(proc);
    }
    return new BenchDatabase(home, dbms, db);
  }

  @Override
  public void close() throws IOException {
    dbms.shutdown();
    try (Stream<Path> files = Files.walk(home)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
