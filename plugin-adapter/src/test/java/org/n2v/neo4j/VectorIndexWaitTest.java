// dbms.n2v.vector_index_wait: its default and lower bound, and what n2v.write
// says when its vector index is still populating when the wait ends. Neo4j's
// own index monitor holds the index's population at the start of its scan
// until the call has failed, so the outcome does not depend on speed.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.configuration.Config;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.internal.kernel.api.IndexMonitor;
import org.neo4j.internal.schema.IndexDescriptor;
import org.neo4j.kernel.internal.GraphDatabaseAPI;
import org.neo4j.monitoring.Monitors;

@Timeout(180)
class VectorIndexWaitTest {
  private static final String HELD = "Held_v_n2v";
  private static PluginHarness h;
  private static final CountDownLatch scanReached = new CountDownLatch(1);
  private static final CountDownLatch release = new CountDownLatch(1);

  /** Holds the population of index HELD where its scan starts, until `release`. */
  private static final class HoldPopulation extends IndexMonitor.MonitorAdapter {
    @Override
    public void indexPopulationScanStarting(IndexDescriptor[] indexes) {
      if (Arrays.stream(indexes).noneMatch(i -> i.getName().equals(HELD))) return;
      scanReached.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start(
        List.of(), Map.of(N2vSettings.VECTOR_INDEX_WAIT, Duration.ofSeconds(1)), null);
    ((GraphDatabaseAPI) h.neo4j.defaultDatabaseService()).getDependencyResolver()
        .resolveDependency(Monitors.class).addMonitorListener(new HoldPopulation());
  }

  @AfterAll
  static void stop() throws Exception {
    release.countDown();
    if (h != null) h.close();
  }

  @Test
  void defaultIsFiveMinutesAndLessThanASecondIsRefused() {
    assertEquals(Duration.ofSeconds(300), Config.defaults().get(N2vSettings.VECTOR_INDEX_WAIT));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Config.newBuilder().set(N2vSettings.VECTOR_INDEX_WAIT, Duration.ZERO).build());
    assertTrue(e.getMessage().contains("dbms.n2v.vector_index_wait"), e.getMessage());
  }

  @Test
  void indexStillPopulatingWhenTheWaitEndsFailsSayingTheVectorsAreCommitted() throws Exception {
    h.run("CREATE (a:Held)-[:NEXT]->(b:Held)-[:NEXT]->(c:Held)");
    ClientException e = assertThrows(ClientException.class, () -> h.run("CALL n2v.write({"
        + "nodeLabels: 'Held', writeProperty: 'v', vectorIndex: true, embeddingDimension: 4, "
        + "walkLength: 5, walksPerNode: 1})"));
    // The population reached the hold, where it stays until release.
    assertTrue(scanReached.await(120, TimeUnit.SECONDS), "the population was held");
    assertTrue(e.getMessage().endsWith("n2v.write wrote 'v' on 3 of 3 nodes and created vector "
        + "index '" + HELD + "', which was still POPULATING after 1 s "
        + "(dbms.n2v.vector_index_wait): the vectors are committed, and the index comes online "
        + "by itself (CALL db.awaitIndex('" + HELD + "') waits for it)."), e.getMessage());
    assertEquals(3, h.single("MATCH (n:Held) WHERE n.v IS NOT NULL RETURN count(n) AS n")
        .get("n").asLong());

    release.countDown();
    h.run("CALL db.awaitIndex($name, 120)", Map.of("name", HELD));
    assertEquals(3, h.run("MATCH (n:Held {}) WITH n LIMIT 1 CALL db.index.vector.queryNodes("
        + "$name, 3, n.v) YIELD node RETURN node", Map.of("name", HELD)).size());
  }
}
