// The connection to the sidecar comes from neo4j.conf only: a Neo4j whose
// settings point at no sidecar, at a sidecar that wants a token, or at one
// with a small memory budget, and the exact message each refusal gives.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.graphdb.config.Setting;

@Timeout(300)
class SidecarConnectionTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static final String GRAPH = "CREATE (a:P), (b:P), (c:P), (a)-[:W]->(b), (b)-[:W]->(c)";
  @TempDir static Path tmp;

  private static String fails(PluginHarness.OtherNeo4j neo4j, String cypher, String... parts) {
    ClientException e = assertThrows(ClientException.class, () -> neo4j.run(cypher));
    for (String part : parts) {
      assertTrue(e.getMessage().contains(part), "expected «" + part + "» in: " + e.getMessage());
    }
    return e.getMessage();
  }

  @Test
  void sidecarUnreachable() throws Exception {
    int port = PluginHarness.closedPort();
    try (PluginHarness.OtherNeo4j neo4j =
        PluginHarness.OtherNeo4j.start("127.0.0.1:" + port, Map.of())) {
      neo4j.run(GRAPH);
      fails(neo4j, "CALL n2v.stream({})",
          "The n2v sidecar at 127.0.0.1:" + port + " is unreachable while uploading the graph (",
          "). Start n2v-sidecar there, or set dbms.n2v.sidecar.address in neo4j.conf to where "
              + "it runs.");
      fails(neo4j, "CALL n2v.jobs()", "The n2v sidecar at 127.0.0.1:" + port
          + " is unreachable while listing jobs (", "Start n2v-sidecar there");
      fails(neo4j, "CALL n2v.estimate({})", "The n2v sidecar at 127.0.0.1:" + port
          + " is unreachable while estimating (", "Start n2v-sidecar there");
      fails(neo4j, "CALL n2v.graph.list()", "The n2v sidecar at 127.0.0.1:" + port
          + " is unreachable while listing graphs (", "Start n2v-sidecar there");
    }
  }

  @Test
  void sidecarAddressWithoutAPort() {
    try (PluginHarness.OtherNeo4j neo4j = PluginHarness.OtherNeo4j.start("localhost", Map.of())) {
      fails(neo4j, "CALL n2v.jobs()",
          "Sidecar address 'localhost' is not host:port (set dbms.n2v.sidecar.address in "
              + "neo4j.conf)");
    }
  }

  @Test
  void jobOverTheSidecarsMemoryBudget() throws Exception {
    try (SidecarProcess small = SidecarProcess.start("--memory-budget", "1MiB");
        PluginHarness.OtherNeo4j neo4j =
            PluginHarness.OtherNeo4j.start(small.address(), Map.of())) {
      neo4j.run("UNWIND range(1, 100) AS i CREATE (:Many {i: i})");
      fails(neo4j, "CALL n2v.stream({nodeLabels: 'Many', embeddingDimension: 4096})",
          "The n2v sidecar refused the work while starting the embedding job: memory budget "
              + "exceeded: job on snapshot snap-",
          " of 1.0 MiB are in use. Select a smaller graph, lower embeddingDimension, or raise "
              + "the sidecar's --memory-budget.");
      // What the estimates say about the same call.
      Record e = neo4j.run("CALL n2v.estimate({nodeLabels: 'Many', embeddingDimension: 4096}) "
          + "YIELD fits, freeBytes RETURN *").get(0);
      assertFalse(e.get("fits").asBoolean());
      assertTrue(e.get("freeBytes").asLong() <= 1L << 20);
      Record gds = neo4j.run("CALL n2v.stream.estimate({nodeLabels: 'Many'}, "
          + "{embeddingDimension: 4096}) YIELD heapPercentageMax RETURN *").get(0);
      assertTrue(gds.get("heapPercentageMax").asDouble() > 100, gds.toString());
    }
  }

  @Test
  void graphOverTheSidecarsMemoryBudget() throws Exception {
    try (SidecarProcess tiny = SidecarProcess.start("--memory-budget", "1KiB");
        PluginHarness.OtherNeo4j neo4j =
            PluginHarness.OtherNeo4j.start(tiny.address(), Map.of())) {
      neo4j.run("UNWIND range(1, 100) AS i CREATE (:Many {i: i})");
      fails(neo4j, "CALL n2v.stream({nodeLabels: 'Many'})",
          "The n2v sidecar refused the work while uploading the graph: ",
          "Select a smaller graph, lower embeddingDimension, or raise the sidecar's "
              + "--memory-budget.");
      fails(neo4j, "CALL n2v.graph.project('many', 'Many', '*')",
          "The n2v sidecar refused the work while uploading the graph: ");
      assertEquals(List.of(), neo4j.run("CALL n2v.graph.list()"), "nothing is left of it");
    }
  }

  /**
   * One Neo4j whose token file is rewritten between calls (the plugin reads
   * it on every call), against a sidecar whose token file trusts s3cret.
   */
  @Test
  void tokens() throws Exception {
    Path sidecarTokens = tmp.resolve("sidecar-tokens");
    Files.writeString(sidecarTokens, "# the plugin's token first\ns3cret plugin trusted\n"
        + "other-token reader\n");
    Path pluginToken = tmp.resolve("plugin-token");
    Map<Setting<?>, Object> settings =
        Map.of(N2vSettings.SIDECAR_TOKEN_FILE, pluginToken.toString());
    try (SidecarProcess guarded = SidecarProcess.start("--token-file", sidecarTokens.toString());
        PluginHarness.OtherNeo4j neo4j =
            PluginHarness.OtherNeo4j.start(guarded.address(), settings)) {
      neo4j.run(GRAPH);
      Files.writeString(pluginToken, "\n# nothing yet\n");
      fails(neo4j, "CALL n2v.jobs()",
          "dbms.n2v.sidecar.token_file '" + pluginToken + "' holds no token");

      Files.writeString(pluginToken, "nope\n");
      fails(neo4j, "CALL n2v.stream({" + SMALL + "})",
          "The n2v sidecar refused the call while uploading the graph: invalid bearer token. "
              + "Set dbms.n2v.sidecar.token or dbms.n2v.sidecar.token_file in neo4j.conf to a "
              + "token from its --token-file.");

      // A valid token that is not trusted may not act for Neo4j's users.
      Files.writeString(pluginToken, "other-token\n");
      fails(neo4j, "CALL n2v.jobs()",
          "The n2v sidecar refused the call while listing jobs: token 'reader' may not act for "
              + "other users: n2v-user, n2v-database and n2v-admin need a token marked trusted "
              + "in the server's token file. The plugin acts for each Neo4j user, so its token "
              + "must be marked trusted in the sidecar's --token-file ('<token> <name> "
              + "trusted').");

      // The sidecar's own token file works as the plugin's: its first entry is the token.
      Files.copy(sidecarTokens, pluginToken, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      assertEquals(3, neo4j.run("CALL n2v.stream({nodeLabels: 'P', " + SMALL + "})").size());
      assertEquals(0, neo4j.run("CALL n2v.jobs()").size(), "the stream's job is gone");
    }
  }

  @Test
  void noTokenForASidecarThatWantsOne() throws Exception {
    Path sidecarTokens = tmp.resolve("tokens-only");
    Files.writeString(sidecarTokens, "s3cret plugin trusted\n");
    try (SidecarProcess guarded = SidecarProcess.start("--token-file", sidecarTokens.toString());
        PluginHarness.OtherNeo4j neo4j =
            PluginHarness.OtherNeo4j.start(guarded.address(), Map.of())) {
      fails(neo4j, "CALL n2v.jobs()",
          "The n2v sidecar refused the call while listing jobs: missing bearer token: send "
              + "metadata 'authorization: Bearer <token>'. Set dbms.n2v.sidecar.token or "
              + "dbms.n2v.sidecar.token_file in neo4j.conf to a token from its --token-file.");
    }
  }
}
