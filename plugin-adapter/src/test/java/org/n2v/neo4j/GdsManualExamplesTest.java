// The node2vec examples of the GDS manual, with gds. renamed n2v. and
// nothing else changed, run against n2v; and every procedure's columns
// against GDS 2.13's (names and types from SHOW PROCEDURES of GDS 2.13.9,
// written out below). n2v may yield more columns where it always did.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.neo4j.driver.Record;

@Timeout(180)
class GdsManualExamplesTest {
  private static final String ESTIMATE_COLUMNS = "requiredMemory :: STRING, treeView :: STRING, "
      + "mapView :: MAP, bytesMin :: INTEGER, bytesMax :: INTEGER, nodeCount :: INTEGER, "
      + "relationshipCount :: INTEGER, heapPercentageMin :: FLOAT, heapPercentageMax :: FLOAT";
  private static final String GRAPH_INFO_COLUMNS = "graphName :: STRING, database :: STRING, "
      + "databaseLocation :: STRING, memoryUsage :: STRING, sizeInBytes :: INTEGER, "
      + "nodeCount :: INTEGER, relationshipCount :: INTEGER, configuration :: MAP, "
      + "density :: FLOAT, creationTime :: ZONED DATETIME, modificationTime :: ZONED DATETIME, "
      + "schema :: MAP, schemaWithOrientation :: MAP";

  /** GDS 2.13.9's parameters and columns of each procedure n2v mirrors. */
  private static final Map<String, String[]> GDS = new LinkedHashMap<>();

  static {
    GDS.put("graph.project", new String[] {"graphName, nodeProjection, relationshipProjection, "
        + "configuration", "nodeProjection :: MAP, relationshipProjection :: MAP, graphName :: "
        + "STRING, nodeCount :: INTEGER, relationshipCount :: INTEGER, projectMillis :: INTEGER"});
    GDS.put("graph.list", new String[] {"graphName",
        "degreeDistribution :: MAP, " + GRAPH_INFO_COLUMNS});
    GDS.put("graph.drop", new String[] {"graphName, failIfMissing, dbName, username",
        GRAPH_INFO_COLUMNS});
    GDS.put("graph.exists", new String[] {"graphName",
        "graphName :: STRING, exists :: BOOLEAN"});
    GDS.put("graph.nodeProperty.stream", new String[] {"graphName, nodeProperties, nodeLabels, "
        + "configuration", "nodeId :: INTEGER, propertyValue :: ANY, nodeLabels :: LIST<STRING>"});
    GDS.put("listProgress", new String[] {"jobId", "username :: STRING, jobId :: STRING, "
        + "taskName :: STRING, progress :: STRING, progressBar :: STRING, status :: STRING, "
        + "timeStarted :: LOCAL TIME, elapsedTime :: STRING"});
    GDS.put("stream", new String[] {"graphName, configuration",
        "nodeId :: INTEGER, embedding :: LIST<FLOAT>"});
    GDS.put("mutate", new String[] {"graphName, configuration", "nodeCount :: INTEGER, "
        + "nodePropertiesWritten :: INTEGER, lossPerIteration :: LIST<FLOAT>, mutateMillis :: "
        + "INTEGER, postProcessingMillis :: INTEGER, preProcessingMillis :: INTEGER, "
        + "computeMillis :: INTEGER, configuration :: MAP"});
    GDS.put("write", new String[] {"graphName, configuration", "nodeCount :: INTEGER, "
        + "nodePropertiesWritten :: INTEGER, preProcessingMillis :: INTEGER, computeMillis :: "
        + "INTEGER, writeMillis :: INTEGER, configuration :: MAP, lossPerIteration :: "
        + "LIST<FLOAT>"});
    for (String mode : List.of("stream", "mutate", "write")) {
      GDS.put(mode + ".estimate", new String[] {"graphNameOrConfiguration, algoConfiguration",
          ESTIMATE_COLUMNS});
    }
  }

  /** The manual's queries, verbatim. */
  private static final String PROJECT =
      "CALL gds.graph.project('myGraph', ['Person', 'Instrument'], 'LIKES')";
  private static final String STREAM = "CALL gds.node2vec.stream('myGraph', "
      + "{embeddingDimension: 2}) YIELD nodeId, embedding RETURN nodeId, embedding";
  private static final String MUTATE = "CALL gds.node2vec.mutate('myGraph', "
      + "{embeddingDimension: 2, mutateProperty: 'embedding'}) YIELD nodePropertiesWritten";
  private static final String WRITE = "CALL gds.node2vec.write('myGraph', "
      + "{embeddingDimension: 2, writeProperty: 'embedding'}) YIELD nodePropertiesWritten";
  private static final String WRITE_ESTIMATE = "CALL gds.node2vec.write.estimate('myGraph', "
      + "{writeProperty: 'embedding', embeddingDimension: 2}) YIELD nodeCount, "
      + "relationshipCount, bytesMin, bytesMax, requiredMemory";

  private static PluginHarness h;

  /** A GDS query as it runs on n2v: gds.node2vec.x becomes n2v.x, gds.x becomes n2v.x. */
  static String port(String gdsQuery) {
    return gdsQuery.replace("gds.node2vec.", "n2v.").replace("gds.", "n2v.");
  }

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    h.run("CREATE (alice:Person {name: 'Alice'}), (bob:Person {name: 'Bob'}), "
        + "(carol:Person {name: 'Carol'}), (dave:Person {name: 'Dave'}), "
        + "(eve:Person {name: 'Eve'}), (guitar:Instrument {name: 'Guitar'}), "
        + "(synth:Instrument {name: 'Synthesizer'}), (bongos:Instrument {name: 'Bongos'}), "
        + "(trumpet:Instrument {name: 'Trumpet'}), "
        + "(alice)-[:LIKES]->(guitar), (alice)-[:LIKES]->(synth), (alice)-[:LIKES]->(bongos), "
        + "(bob)-[:LIKES]->(guitar), (bob)-[:LIKES]->(synth), (carol)-[:LIKES]->(bongos), "
        + "(dave)-[:LIKES]->(guitar), (dave)-[:LIKES]->(synth), (dave)-[:LIKES]->(bongos)");
    Record projected = h.single(port(PROJECT));
    assertEquals("myGraph", projected.get("graphName").asString());
    assertEquals(9, projected.get("nodeCount").asLong());
    assertEquals(9, projected.get("relationshipCount").asLong());
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  // ------------------------------------------------------------ the manual's queries

  @Test
  void stream() {
    List<Record> rows = h.run(port(STREAM));
    assertEquals(9, rows.size());
    rows.forEach(r -> assertEquals(2, r.get("embedding").size()));
  }

  @Test
  void mutate() {
    assertEquals(9, h.single(port(MUTATE)).get("nodePropertiesWritten").asLong());
    List<Record> stored = h.run("CALL n2v.graph.nodeProperty.stream('myGraph', 'embedding')");
    assertEquals(9, stored.size());
    stored.forEach(r -> assertEquals(2, r.get("propertyValue").size()));
  }

  @Test
  void write() {
    assertEquals(9, h.single(port(WRITE)).get("nodePropertiesWritten").asLong());
    assertEquals(9, h.single("MATCH (n) WHERE size(n.embedding) = 2 RETURN count(n) AS n")
        .get("n").asLong());
  }

  @Test
  void writeEstimate() {
    Record r = h.single(port(WRITE_ESTIMATE));
    assertEquals(9, r.get("nodeCount").asLong());
    assertEquals(9, r.get("relationshipCount").asLong());
    assertTrue(r.get("bytesMin").asLong() > 0);
    assertEquals(r.get("bytesMin").asLong(), r.get("bytesMax").asLong());
    assertTrue(r.get("requiredMemory").asString().matches("[0-9.]+ (B|KiB|MiB)"), r.toString());
  }

  @Test
  void theGraphIsListedWithItsSchema() {
    Record r = h.single("CALL n2v.graph.list('myGraph') YIELD graphName, nodeCount, "
        + "relationshipCount, schema RETURN *");
    assertEquals(9, r.get("nodeCount").asLong());
    assertEquals(9, r.get("relationshipCount").asLong());
    assertEquals(java.util.Set.of("Person", "Instrument"),
        r.get("schema").get("nodes").asMap().keySet());
    assertEquals(Map.of("LIKES", Map.of()), r.get("schema").get("relationships").asMap());
  }

  // ------------------------------------------------------------ the columns

  @Test
  void everyProcedureTakesGdsParametersAndYieldsGdsColumns() {
    for (Map.Entry<String, String[]> gds : GDS.entrySet()) {
      String name = "n2v." + gds.getKey();
      Record r = h.single("SHOW PROCEDURES YIELD name, signature WHERE name = $name "
          + "RETURN signature", Map.of("name", name));
      String signature = r.get("signature").asString();
      assertEquals(gds.getValue()[0], parameterNames(signature), name + ": " + signature);
      String columns = signature.substring(signature.lastIndexOf(":: (") + 4,
          signature.length() - 1);
      for (String column : gds.getValue()[1].split(", (?=[a-zA-Z]+ ::)")) {
        assertTrue((", " + columns + ",").contains(", " + column + ","),
            name + " lacks «" + column + "»: " + signature);
      }
    }
  }

  @Test
  void theCypherProjectionFunctionTakesGdsParameters() {
    String signature = h.single("SHOW FUNCTIONS YIELD name, signature "
        + "WHERE name = 'n2v.graph.project' RETURN signature").get("signature").asString();
    assertEquals("n2v.graph.project(graphName :: STRING, sourceNode :: ANY, targetNode = null "
        + ":: ANY, dataConfig = null :: ANY, configuration = null :: ANY, alphaMigrationConfig "
        + "= null :: ANY) :: MAP", signature);
  }

  /** "a, b" for "n2v.x(a :: STRING, b = {} :: MAP) :: (...)". */
  private static String parameterNames(String signature) {
    String inside = signature.substring(signature.indexOf('(') + 1, signature.indexOf(") ::"));
    StringBuilder names = new StringBuilder();
    for (String parameter : inside.split(", (?=[a-zA-Z]+ (=|::))")) {
      if (names.length() > 0) names.append(", ");
      names.append(parameter.split("[ =]")[0]);
    }
    return names.toString();
  }
}
