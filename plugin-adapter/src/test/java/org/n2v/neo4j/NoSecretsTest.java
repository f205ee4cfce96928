// The sidecar's address and token come from neo4j.conf only, and the token
// never comes back: no call, by any user, makes the database connect to a
// host:port it names (a listening socket receives nothing), and the token
// appears in no column, no error message and no line of the Neo4j logs.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.string.SecureString;

@Timeout(300)
class NoSecretsTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  /** Unique, so that finding it anywhere means it leaked. */
  private static final String TOKEN = "tok-" + UUID.randomUUID();
  @TempDir static Path tmp;
  private static PluginHarness h;
  private static Driver alice;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = tmp.resolve("tokens");
    Files.writeString(tokens, TOKEN + " plugin trusted\n");
    // The token itself in the settings (not a file): the harder case for the logs.
    Map<Setting<?>, Object> settings = Map.of(GraphDatabaseSettings.auth_enabled, true,
        N2vSettings.SIDECAR_TOKEN, new SecureString(TOKEN));
    h = PluginHarness.start(List.of("--token-file", tokens.toString()), settings, TOKEN);
    alice = h.createUser("alice", "alice-password");
    h.run("UNWIND range(0, 9) AS i CREATE (:P {i: i})");
    h.run("MATCH (a:P), (b:P) WHERE b.i = (a.i + 1) % 10 CREATE (a)-[:R]->(b)");
    for (Driver user : List.of(h.driver, alice)) run(user, "CALL n2v.graph.project('g', 'P', 'R')");
  }

  @AfterAll
  static void stop() throws Exception {
    if (alice != null) alice.close();
    if (h != null) h.close();
  }

  private static List<Record> run(Driver driver, String cypher) {
    try (Session session = driver.session()) {
      return session.run(cypher).list();
    }
  }

  /** Every procedure and the function, each given a sidecar address and token of its own. */
  private static List<String> callsNaming(String address) {
    String keys = "sidecarAddress: '" + address + "', sidecarToken: 'x'";
    return List.of(
        "CALL n2v.stream({" + keys + "})",
        "CALL n2v.stream('g', {" + keys + "})",
        "CALL n2v.write({writeProperty: 'w', " + keys + "})",
        "CALL n2v.write('g', {writeProperty: 'w', " + keys + "})",
        "CALL n2v.mutate('g', {mutateProperty: 'm', " + keys + "})",
        "CALL n2v.estimate({" + keys + "})",
        "CALL n2v.stream.estimate('g', {" + keys + "})",
        "CALL n2v.write.estimate({writeProperty: 'w', " + keys + "}, {})",
        "CALL n2v.mutate.estimate('g', {mutateProperty: 'm', " + keys + "})",
        "CALL n2v.edgeFeatures.stream({" + keys + "})",
        "CALL n2v.edgeFeatures.write({writeProperty: 'f', " + keys + "})",
        "CALL n2v.jobs({" + keys + "})",
        "CALL n2v.graph.project('h', 'P', 'R', {" + keys + "})",
        "CALL n2v.graph.nodeProperty.stream('g', 'm', ['*'], {" + keys + "})",
        "MATCH (s:P)-[:R]->(t) RETURN n2v.graph.project('h', s, t, {}, {" + keys + "})");
  }

  @Test
  void noCallConnectsToAnAddressItNames() throws Exception {
    try (ServerSocket trap = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + trap.getLocalPort();
      for (Driver user : List.of(h.driver, alice)) {
        for (String call : callsNaming(address)) {
          ClientException e = assertThrows(ClientException.class, () -> run(user, call), call);
          assertTrue(e.getMessage().contains("Unknown configuration key 'sidecar"), e.getMessage());
        }
      }
      trap.setSoTimeout(1000);
      assertThrows(SocketTimeoutException.class, trap::accept, "something connected");
    }
  }

  @Test
  void theTokenIsInNoColumnNoMessageAndNoLog() throws Exception {
    List<String> seen = new ArrayList<>();
    List<String> calls = List.of(
        "CALL n2v.stream('g', {" + SMALL + "})",
        "CALL n2v.write('g', {writeProperty: 'w', jobId: 'no-secrets', " + SMALL + "})",
        "CALL n2v.write({nodeLabels: 'P', writeProperty: 'w2', " + SMALL + "})",
        "CALL n2v.mutate('g', {mutateProperty: 'm', " + SMALL + "})",
        "CALL n2v.graph.nodeProperty.stream('g', 'm')",
        "CALL n2v.estimate({})",
        "CALL n2v.stream.estimate('g', {})",
        "CALL n2v.jobs()",
        "CALL n2v.listProgress()",
        "CALL n2v.graph.list()",
        "CALL n2v.graph.exists('g')",
        "MATCH (s:P)-[:R]->(t) RETURN n2v.graph.project('cypher', s, t) AS g",
        "CALL n2v.edgeFeatures.stream({graphName: 'g', nodeProperty: 'm'})",
        // Refusals.
        "CALL n2v.stream('nope', {})",
        "CALL n2v.stream({sidecarToken: '" + TOKEN + "'})",
        "CALL n2v.graph.project('g', 'P', 'R')",
        "CALL n2v.stream('g', {minLearningRate: 0.5})",
        "CALL n2v.graph.drop('g')");
    for (Driver user : List.of(h.driver, alice)) {
      for (String call : calls) {
        try {
          for (Record r : run(user, call)) seen.add(r.toString());
        } catch (ClientException e) {
          seen.add(e.getMessage());
        }
      }
    }
    // The sidecarToken refusal names the key only, not its value.
    assertTrue(seen.stream().anyMatch(s -> s.contains("Unknown configuration key 'sidecarToken'")));
    for (String s : seen) assertFalse(s.contains(TOKEN), s);
    String logs = NamedGraphRunsTest.neo4jLogs(h);
    assertTrue(logs.contains("n2v.write [jobId no-secrets]"), "the logs are where we look");
    assertFalse(logs.contains(TOKEN), "the token is in the Neo4j logs");
  }
}
