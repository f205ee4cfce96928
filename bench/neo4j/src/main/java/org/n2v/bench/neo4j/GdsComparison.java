// n2v against Neo4j GDS in one embedded Neo4j: starts an n2v-sidecar and
// the database, loads the edge list, then runs every tool (n2v anonymous
// and through a named graph, GDS) once per round (the order rotates
// between rounds; an unrecorded warm-up on short walks comes first), saves
// each run's vectors as a word2vec file and writes
// <out>/gds-comparison.json with all timings.
// Scoring and the report are bench/neo4j/run_gds.py's.
package org.n2v.bench.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.n2v.neo4j.SidecarProcess;

public final class GdsComparison {
  private GdsComparison() {}

  /** Everything one comparison measured. */
  record Result(EdgeListLoader.Loaded graph, MemoryEstimates estimates, List<ToolRun> runs,
      List<Path> embeddings, long sidecarPeakRssBytes) {}

  public static void main(String[] args) throws Exception {
    ComparisonOptions o;
    try {
      o = ComparisonOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("gds-comparison: " + e.getMessage());
      System.exit(2);
      return;
    }
    Result r = run(o);
    Path json = o.out.resolve("gds-comparison.json");
    Files.writeString(json, toJson(o, r));
    System.out.println("wrote " + json);
  }

  static Result run(ComparisonOptions o) throws Exception {
    Files.createDirectories(o.out);
    List<String> tools =
        new ArrayList<>(List.of(ToolRunners.N2V, ToolRunners.N2V_NAMED, ToolRunners.GDS));
    if (o.gdsDefaultLearningRate) tools.add(ToolRunners.GDS_DEFAULT_LR);
    List<ToolRun> runs = new ArrayList<>();
    List<Path> embeddings = new ArrayList<>();
    try (SidecarProcess sidecar = SidecarProcess.start(o.sidecarBinary, "--memory-budget", "8GiB");
        BenchDatabase database = BenchDatabase.start(sidecar.address())) {
      EdgeListLoader.Loaded graph = EdgeListLoader.load(database.db, o.edges, o.label, o.type);
      log("loaded %d nodes, %d relationships in %d ms; %s", graph.nodes(), graph.relationships(),
          graph.millis(), o.describe());
      MemoryEstimates estimates = MemoryEstimates.of(database.db, o);
      warmUp(database.db, o, tools);
      for (int round = 1; round <= o.rounds; round++) {
        for (int i = 0; i < tools.size(); i++) {
          String tool = tools.get((i + round - 1) % tools.size());
          ToolRun run = ToolRunners.run(database.db, o, tool, round);
          runs.add(run);
          log("round %d %-15s wall %6d ms (read %d, compute %d, write %d), %d properties", round,
              tool, run.wallMillis(), run.readMillis(), run.computeMillis(), run.writeMillis(),
              run.propertiesWritten());
          String property = ToolRunners.property(tool);
          Path file = o.out.resolve(tool + "-r" + round + ".emb");
          long saved = EmbeddingExport.save(database.db, o.label, property, file);
          if (saved != graph.nodes()) {
            throw new IllegalStateException(tool + " wrote vectors for " + saved + " of "
                + graph.nodes() + " nodes");
          }
          embeddings.add(file);
          EmbeddingExport.remove(database.db, o.label, property);
        }
      }
      return new Result(graph, estimates, runs, embeddings, sidecar.peakRssBytes());
    }
  }

  /**
   * Runs every tool once on short walks, unrecorded, so that class loading,
   * JIT compilation and the sidecar connection are not charged to round 1.
   */
  private static void warmUp(org.neo4j.graphdb.GraphDatabaseService db, ComparisonOptions o,
      List<String> tools) {
    ComparisonOptions light = o.withWalks(1, Math.min(o.walkLength, 5));
    for (String tool : tools) {
      ToolRunners.run(db, light, tool, 0);
      EmbeddingExport.remove(db, o.label, ToolRunners.property(tool));
    }
  }

  static String toJson(ComparisonOptions o, Result r) {
    StringBuilder s = new StringBuilder("{\n");
    s.append(String.format(Locale.ROOT, "  \"edges\": \"%s\",\n", o.edges.toString().replace("\\", "/")));
    s.append(String.format(Locale.ROOT, "  \"parameters\": {\"dimensions\": %d, \"walks_per_node\": %d, "
        + "\"walk_length\": %d, \"window\": %d, \"negatives\": %d, \"iterations\": %d, \"p\": %s, "
        + "\"q\": %s, \"concurrency\": %d, \"learning_rate\": %s, \"seed\": %d},\n", o.dimensions,
        o.walksPerNode, o.walkLength, o.windowSize, o.negatives, o.iterations, o.p, o.q,
        o.concurrency, o.learningRate, o.seed));
    s.append(String.format(Locale.ROOT, "  \"graph\": {\"nodes\": %d, \"relationships\": %d, \"load_ms\": %d},\n",
        r.graph().nodes(), r.graph().relationships(), r.graph().millis()));
    s.append(String.format(Locale.ROOT, "  \"versions\": {\"neo4j\": \"%s\", \"gds\": \"%s\", \"java\": \"%s\"},\n",
        org.neo4j.kernel.internal.Version.getNeo4jVersion(), gdsVersion(), System.getProperty("java.version")));
    s.append(String.format(Locale.ROOT, "  \"jvm_max_heap_bytes\": %d,\n", Runtime.getRuntime().maxMemory()));
    s.append(String.format(Locale.ROOT, "  \"n2v_sidecar_peak_rss_bytes\": %d,\n", r.sidecarPeakRssBytes()));
    s.append("  \"memory_estimates\": ").append(r.estimates().toJson()).append(",\n");
    s.append("  \"runs\": [\n");
    for (int i = 0; i < r.runs().size(); i++) {
      String emb = r.embeddings().get(i).getFileName().toString();
      s.append("    ").append(r.runs().get(i).toJson(emb))
          .append(i + 1 < r.runs().size() ? ",\n" : "\n");
    }
    s.append("  ]\n}\n");
    return s.toString();
  }

  private static String gdsVersion() {
    try (var in = GdsComparison.class.getResourceAsStream("/n2v-bench.properties")) {
      java.util.Properties p = new java.util.Properties();
      if (in != null) p.load(in);
      return p.getProperty("gds.version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void log(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }
}
