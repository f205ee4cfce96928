// The whole chain once: a real sidecar, Neo4j 5.26 in-process with the
// procedures, the Java driver over Bolt, karate written back.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

@Timeout(120)
class WriteProcSmokeTest {
  private static SidecarProcess sidecar;
  private static Neo4j neo4j;
  private static Driver driver;

  @BeforeAll
  static void start() throws Exception {
    sidecar = SidecarProcess.start();
    neo4j = Neo4jBuilders.newInProcessBuilder()
        .withDisabledServer()
        .withConfig(N2vSettings.SIDECAR_ADDRESS, sidecar.address())
        .withProcedure(WriteProc.class)
        .withProcedure(StreamProc.class)
        .build();
    driver = GraphDatabase.driver(neo4j.boltURI());
    driver.verifyConnectivity();
    Path karate = Path.of(System.getProperty("n2v.datasets"), "karate", "karate.edgelist");
    try (Session session = driver.session()) {
      for (String line : Files.readAllLines(karate)) {
        String[] f = line.trim().split("\\s+");
        session.run("MERGE (a:Member {id: $a}) MERGE (b:Member {id: $b}) "
            + "CREATE (a)-[:KNOWS]->(b)", Map.of("a", Long.parseLong(f[0]), "b", Long.parseLong(f[1])));
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (driver != null) driver.close();
    if (neo4j != null) neo4j.close();
    if (sidecar != null) sidecar.close();
  }

  @Test
  void writesVectorsOfTheRightDimension() {
    try (Session session = driver.session()) {
      Record r = session.run("CALL n2v.write({nodeLabels: 'Member', relationshipTypes: 'KNOWS', "
          + "orientation: 'UNDIRECTED', embeddingDimension: 16, walksPerNode: 5, walkLength: 20, "
          + "writeProperty: 'emb', deterministic: true, randomSeed: 7}) "
          + "YIELD nodeCount, relationshipCount, nodePropertiesWritten, lossPerIteration "
          + "RETURN *").single();
      assertEquals(34, r.get("nodeCount").asLong());
      assertEquals(78, r.get("relationshipCount").asLong());
      assertEquals(34, r.get("nodePropertiesWritten").asLong());
      assertEquals(1, r.get("lossPerIteration").asList().size());
      List<Record> rows = session.run(
          "MATCH (m:Member) RETURN size(m.emb) AS d").list();
      assertEquals(34, rows.size());
      assertTrue(rows.stream().allMatch(x -> x.get("d").asInt() == 16));
    }
  }
}
