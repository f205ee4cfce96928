// The GDS comparison end to end on Zachary's karate club: a real sidecar,
// an embedded Neo4j with both tools' procedures, short walks. Checks that
// every tool (n2v anonymous and through a named graph, GDS) ran through
// Cypher, wrote one finite vector per node, and that the timings and the
// JSON report hold what run_gds.py reads.
package org.n2v.bench.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GdsComparisonTest {
  private static final Path KARATE = Path.of(System.getProperty("n2v.datasets",
      "../../../shared/datasets"), "karate", "karate.edgelist");

  @Test
  void everyToolEmbedsTheGraphThroughCypher(@TempDir Path out) throws Exception {
    String sidecar = System.getProperty("n2v.sidecar");
    ComparisonOptions o = ComparisonOptions.parse(new String[] {"--edges", KARATE.toString(),
        "--sidecar", sidecar, "--out", out.toString(), "--dimensions", "16", "--walks", "4",
        "--walk-length", "20", "--rounds", "2", "--p", "0.5", "--q", "2"});
    GdsComparison.Result r = GdsComparison.run(o);

    assertEquals(34, r.graph().nodes());
    assertEquals(78, r.graph().relationships());
    assertEquals(8, r.runs().size(), "4 tools x 2 rounds");
    assertEquals(Set.of("n2v", "n2v-named", "gds", "gds-default-lr"),
        r.runs().stream().map(ToolRun::tool).collect(Collectors.toSet()));
    // The order rotates between rounds.
    assertTrue(!r.runs().get(0).tool().equals(r.runs().get(4).tool()));
    // The named run: every round, its own phases, and in the JSON report.
    List<ToolRun> named = r.runs().stream().filter(run -> run.tool().equals("n2v-named")).toList();
    assertEquals(2, named.size());
    for (ToolRun run : named) {
      assertTrue(run.readMillis() >= 0 && run.computeMillis() >= 0 && run.writeMillis() >= 0,
          run.toString());
      assertTrue(run.wallMillis() >= run.computeMillis() + run.writeMillis(), run.toString());
    }
    for (int i = 0; i < r.runs().size(); i++) {
      ToolRun run = r.runs().get(i);
      assertEquals(34, run.nodes(), run.tool());
      assertEquals(34, run.propertiesWritten(), run.tool());
      assertTrue(run.wallMillis() >= run.computeMillis(), run.toString());
      List<String> lines = Files.readAllLines(r.embeddings().get(i));
      assertEquals("34 16", lines.get(0), run.tool());
      assertEquals(35, lines.size(), run.tool());
      double norm = 0;
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(" ");
        assertEquals(17, f.length, line);
        for (int k = 1; k < f.length; k++) {
          double x = Double.parseDouble(f[k]);
          assertTrue(Double.isFinite(x), line);
          norm += x * x;
        }
      }
      assertTrue(norm > 0, run.tool() + " wrote zero vectors");
    }
    assertTrue(r.sidecarPeakRssBytes() > 0);
    assertTrue(r.estimates().n2vBytes() > 0, r.estimates().toString());
    assertTrue(r.estimates().gdsBytesMin() > 0, r.estimates().toString());
    assertTrue(r.estimates().gdsBytesMax() >= r.estimates().gdsBytesMin(), r.estimates().toString());
    String json = GdsComparison.toJson(o, r);
    for (String key : List.of("\"parameters\"", "\"graph\"", "\"versions\"", "\"runs\"",
        "\"read_ms\"", "\"compute_ms\"", "\"write_ms\"", "\"wall_ms\"", "\"embedding\"",
        "\"memory_estimates\"")) {
      assertTrue(json.contains(key), key);
    }
    assertTrue(json.contains("\"tool\": \"n2v-named\""), json);
    assertTrue(json.contains("\"embedding\": \"n2v-named-r2.emb\""), json);
  }

  @Test
  void badEdgeListsAreRefusedWithTheLine(@TempDir Path dir) throws Exception {
    Path edges = dir.resolve("bad.edgelist");
    Files.writeString(edges, "1 2\n2 x\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> EdgeListLoader.read(edges));
    assertTrue(e.getMessage().contains(":2:"), e.getMessage());
    Files.writeString(edges, "1\n");
    e = assertThrows(IllegalArgumentException.class, () -> EdgeListLoader.read(edges));
    assertTrue(e.getMessage().contains("expected 'source target'"), e.getMessage());
    Files.writeString(edges, "source target\n1 2\n");
    assertEquals(1, EdgeListLoader.read(edges).size(), "a header line is skipped");
  }

  @Test
  void optionsAreChecked() {
    assertThrows(IllegalArgumentException.class,
        () -> ComparisonOptions.parse(new String[] {"--sidecar", "x"}));
    assertThrows(IllegalArgumentException.class, () -> ComparisonOptions.parse(
        new String[] {"--edges", "e", "--sidecar", "x", "--p", "0"}));
    assertThrows(IllegalArgumentException.class, () -> ComparisonOptions.parse(
        new String[] {"--edges", "e", "--sidecar", "x", "--bogus", "1"}));
  }
}
