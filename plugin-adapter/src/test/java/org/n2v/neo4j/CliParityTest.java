// n2v.stream against the CLI on the same graph: in deterministic mode and
// with the same seed and parameters, the vectors must be bit-identical.
//
// The engine numbers nodes densely in ascending order of their original id,
// and each walk's random stream is named by its start node's id. The sidecar
// sees Neo4j's internal ids, so the CLI runs on a copy of the file with each
// id replaced by its node's internal id. Creating the nodes in file-id order
// in a fresh database makes the internal ids follow the same order, which
// the tests check before comparing.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.Record;

@Timeout(180)
class CliParityTest {
  private static PluginHarness h;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() throws Exception {
    h = PluginHarness.start();
    // Karate first (internal ids 0..33), then Les Misérables (34..110).
    h.loadKarateAndLesMis();
  }

  @AfterAll
  static void stop() throws Exception {
    if (h != null) h.close();
  }

  @Test
  void internalIdsFollowTheFileIds() {
    for (Record r : h.run("MATCH (m:Member) RETURN id(m) AS internal, m.id AS id")) {
      assertEquals(r.get("id").asLong() - 1, r.get("internal").asLong());
    }
    for (Record r : h.run("MATCH (c:Character) RETURN id(c) AS internal, c.id AS id")) {
      assertEquals(r.get("id").asLong() + 34, r.get("internal").asLong());
    }
  }

  @Test
  void karateWithThePluginDefaultsEqualsTheCliBitForBit() throws Exception {
    internalIdsFollowTheFileIds();
    // Every CLI flag spelled out with the plugin's default for that key.
    Map<Long, float[]> cli = cli(relabeled(PluginHarness.dataset("karate", "karate.edgelist"),
        "Member"), "Member",
        "--undirected", "--unweighted", "--seed", "42", "--dimensions", "128",
        "--walk-length", "80", "--num-walks", "10", "--window-size", "10", "--iter", "1",
        "--p", "1", "--q", "1", "--negative", "5", "--alpha", "0.025", "--min-alpha", "0.0001",
        "--sample", "0.001", "--isolated", "random", "--workers", "2");
    Map<Long, float[]> plugin = stream("{nodeLabels: 'Member', relationshipTypes: 'KNOWS', "
        + "orientation: 'UNDIRECTED', deterministic: true, randomSeed: 42}", "Member");
    assertBitIdentical(cli, plugin, 34, 128);
  }

  @Test
  void weightedLesMisWithExplicitParametersEqualsTheCliBitForBit() throws Exception {
    internalIdsFollowTheFileIds();
    Map<Long, float[]> cli = cli(relabeled(PluginHarness.dataset("lesmis", "lesmis.edges.csv"),
        "Character"), "Character",
        "--undirected", "--weighted", "--seed", "7", "--dimensions", "24",
        "--walk-length", "30", "--num-walks", "6", "--window-size", "4", "--iter", "2",
        "--p", "0.5", "--q", "2", "--negative", "3", "--alpha", "0.05", "--min-alpha", "0.001",
        "--sample", "0.01", "--isolated", "random", "--workers", "1");
    Map<Long, float[]> plugin = stream("{nodeLabels: 'Character', relationshipTypes: "
        + "'APPEARS_WITH', orientation: 'UNDIRECTED', relationshipWeightProperty: 'weight', "
        + "deterministic: true, randomSeed: 7, embeddingDimension: 24, walkLength: 30, "
        + "walksPerNode: 6, windowSize: 4, iterations: 2, returnFactor: 0.5, inOutFactor: 2.0, "
        + "negativeSamplingRate: 3, initialLearningRate: 0.05, minLearningRate: 0.001, "
        + "positiveSamplingFactor: 0.01, negativeSamplingExponent: 0.75, concurrency: 3}",
        "Character");
    assertBitIdentical(cli, plugin, 77, 24);
  }

  @Test
  void weightsChangeTheVectors() throws Exception {
    String config = "{nodeLabels: 'Character', orientation: 'UNDIRECTED', deterministic: true, "
        + "randomSeed: 7, embeddingDimension: 8, walkLength: 20, walksPerNode: 3%s}";
    Map<Long, float[]> weighted =
        stream(String.format(config, ", relationshipWeightProperty: 'weight'"), "Character");
    Map<Long, float[]> unweighted = stream(String.format(config, ""), "Character");
    int differing = 0;
    for (long id : weighted.keySet()) {
      if (!java.util.Arrays.equals(weighted.get(id), unweighted.get(id))) differing++;
    }
    assertTrue(differing > 70, differing + " of 77 vectors differ");
  }

  /** n2v.stream's vectors keyed by the node's `id` property. */
  private static Map<Long, float[]> stream(String config, String label) {
    Map<Long, Long> fileId = new HashMap<>();
    for (Record r : h.run("MATCH (n:" + label + ") RETURN id(n) AS internal, n.id AS id")) {
      fileId.put(r.get("internal").asLong(), r.get("id").asLong());
    }
    Map<Long, float[]> out = new TreeMap<>();
    long previous = -1;
    for (Record r : h.run("CALL n2v.stream(" + config + ") YIELD nodeId, embedding "
        + "RETURN nodeId, embedding")) {
      long nodeId = r.get("nodeId").asLong();
      assertTrue(nodeId > previous, "rows are ordered by node id");
      previous = nodeId;
      List<Object> values = r.get("embedding").asList();
      float[] v = new float[values.size()];
      for (int i = 0; i < v.length; i++) {
        double d = (Double) values.get(i);
        v[i] = (float) d;
        assertEquals(d, (double) v[i], "a stream value is a float widened to double");
      }
      out.put(fileId.get(nodeId), v);
    }
    return out;
  }

  /** File id -> internal id of the nodes with `label`. */
  private static Map<Long, Long> internalIds(String label) {
    Map<Long, Long> internal = new HashMap<>();
    for (Record r : h.run("MATCH (n:" + label + ") RETURN id(n) AS internal, n.id AS id")) {
      internal.put(r.get("id").asLong(), r.get("internal").asLong());
    }
    return internal;
  }

  /** The edge file with every id replaced by its node's internal id ("u v [w]" lines). */
  private static Path relabeled(Path input, String label) throws IOException {
    Map<Long, Long> internal = internalIds(label);
    StringBuilder out = new StringBuilder();
    for (String line : Files.readAllLines(input, StandardCharsets.UTF_8)) {
      String[] f = line.trim().split("[,\\s]+");
      if (f.length < 2 || !f[0].matches("-?\\d+")) continue;  // header, comment
      out.append(internal.get(Long.parseLong(f[0]))).append(' ')
          .append(internal.get(Long.parseLong(f[1])));
      if (f.length > 2) out.append(' ').append(f[2]);
      out.append('\n');
    }
    Path file = Files.createTempFile(tmp, "relabeled", ".txt");
    Files.writeString(file, out.toString());
    return file;
  }

  /**
   * Runs `n2v embed` deterministically on a relabeled file and reads its
   * binary output, keyed by the file ids of `label`'s nodes.
   */
  private static Map<Long, float[]> cli(Path input, String label, String... flags)
      throws Exception {
    Map<Long, Long> fileId = new HashMap<>();
    internalIds(label).forEach((file, internal) -> fileId.put(internal, file));
    String binary = System.getProperty("n2v.cli");
    assertTrue(binary != null && Files.isExecutable(Path.of(binary)),
        "n2v CLI not found at '" + binary + "': build it or pass -Dn2v.cli=PATH");
    Path output = Files.createTempFile(tmp, "cli", ".bin");
    List<String> command = new ArrayList<>(List.of(binary, "embed", "--input", input.toString(),
        "--output", output.toString(), "--format", "binary", "--deterministic", "--quiet"));
    command.addAll(List.of(flags));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the CLI finished");
    String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), "n2v embed failed: " + log);
    Map<Long, float[]> out = new TreeMap<>();
    readBinary(output).forEach((internal, v) -> out.put(fileId.get(internal), v));
    return out;
  }

  /** word2vec binary: "<count> <dims>\n", then per row "<id> " + dims LE float32 + "\n". */
  static Map<Long, float[]> readBinary(Path file) throws IOException {
    java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(Files.readAllBytes(file))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    String[] header = readToken(in, (byte) '\n').split(" ");
    int count = Integer.parseInt(header[0]);
    int dims = Integer.parseInt(header[1]);
    Map<Long, float[]> out = new TreeMap<>();
    for (int r = 0; r < count; r++) {
      long id = Long.parseLong(readToken(in, (byte) ' '));
      float[] v = new float[dims];
      for (int i = 0; i < dims; i++) v[i] = in.getFloat();
      assertEquals('\n', in.get());
      out.put(id, v);
    }
    assertEquals(0, in.remaining());
    return out;
  }

  private static String readToken(java.nio.ByteBuffer in, byte end) {
    StringBuilder s = new StringBuilder();
    for (byte b = in.get(); b != end; b = in.get()) s.append((char) b);
    return s.toString();
  }

  private static void assertBitIdentical(Map<Long, float[]> cli, Map<Long, float[]> plugin,
      int nodes, int dims) {
    assertEquals(nodes, cli.size());
    assertEquals(cli.keySet(), plugin.keySet());
    for (long id : cli.keySet()) {
      float[] a = cli.get(id);
      float[] b = plugin.get(id);
      assertEquals(dims, a.length);
      assertEquals(dims, b.length);
      for (int i = 0; i < dims; i++) {
        int expected = Float.floatToRawIntBits(a[i]);
        int actual = Float.floatToRawIntBits(b[i]);
        if (expected != actual) {
          throw new AssertionError("node " + id + " dimension " + i + ": CLI " + a[i]
              + ", n2v.stream " + b[i]);
        }
      }
    }
  }
}
