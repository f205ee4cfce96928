// n2v quickstart: an embedded Neo4j (or an existing one over Bolt) and a
// running n2v-sidecar; loads a graph (Les Miserables by default), runs
// n2v.write twice (homophily and structural equivalence, as in the node2vec
// paper's Figure 3), prints what happened and nearest neighbours, draws the
// two pictures, and keeps Neo4j running until Ctrl-C (or exits with --once).
package org.n2v.quickstart;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;

public final class Main {
  private Main() {}

  /** The command line, with defaults. */
  static final class Options {
    String sidecar = "127.0.0.1:50051";
    int boltPort = 7687;
    Path nodes;
    Path edges;
    Path out = Path.of("out");
    boolean once;
    String neo4jUri;
    String neo4jUser = "neo4j";
    String label = "Character";
    String type = "APPEARS_WITH";
    boolean load = true;
    int dimensions = 16;
    long seed = 42;
    int homophilyClusters = 6;
    int roleClusters = 3;
  }

  static Options parse(String[] args) {
    Options o = new Options();
    Path data = Path.of(System.getProperty("n2v.datasets", "../shared/datasets"));
    o.nodes = data.resolve("lesmis/lesmis.nodes.csv");
    o.edges = data.resolve("lesmis/lesmis.edges.csv");
    boolean nodesGiven = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      java.util.function.Supplier<String> value = () -> {
        throw new IllegalArgumentException(a + " needs a value");
      };
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (a) {
        case "--once" -> o.once = true;
        case "--no-load" -> o.load = false;
        default -> {
          if (v == null) value.get();
          i++;
          switch (a) {
            case "--sidecar" -> o.sidecar = v;
            case "--bolt-port" -> o.boltPort = Integer.parseInt(v);
            case "--nodes" -> {
              o.nodes = Path.of(v);
              nodesGiven = true;
            }
            case "--edges" -> {
              o.edges = Path.of(v);
              if (!nodesGiven) o.nodes = null;
            }
            case "--out" -> o.out = Path.of(v);
            case "--neo4j-uri" -> o.neo4jUri = v;
            case "--neo4j-user" -> o.neo4jUser = v;
            case "--label" -> o.label = v;
            case "--type" -> o.type = v;
            case "--dimensions" -> o.dimensions = Integer.parseInt(v);
            case "--seed" -> o.seed = Long.parseLong(v);
            default -> throw new IllegalArgumentException("unknown option " + a
                + " (see the README's quickstart section)");
          }
        }
      }
    }
    return o;
  }

  public static void main(String[] args) throws Exception {
    Options o;
    try {
      o = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("quickstart: error: " + e.getMessage());
      System.exit(2);
      return;
    }
    Files.createDirectories(o.out);
    EmbeddedNeo4j embedded = null;
    String uri = o.neo4jUri;
    Driver driver;
    if (uri == null) {
      embedded = EmbeddedNeo4j.start(o.boltPort, o.sidecar);
      uri = embedded.boltUri();
      driver = GraphDatabase.driver(uri);
      System.out.printf("Neo4j 5.26 (embedded) at %s, n2v plugin loaded, sidecar at %s%n",
          uri, o.sidecar);
    } else {
      String password = System.getenv("N2V_NEO4J_PASSWORD");
      driver = GraphDatabase.driver(uri, AuthTokens.basic(o.neo4jUser,
          password == null ? "" : password));
      System.out.printf("Neo4j at %s (as %s), sidecar expected at %s%n", uri, o.neo4jUser,
          o.sidecar);
    }
    try {
      driver.verifyConnectivity();
      run(o, driver, embedded == null);
      if (!o.once && embedded != null) {
        System.out.printf("%nNeo4j keeps running at %s (no authentication, loopback only). "
            + "Press Ctrl-C to stop.%n", uri);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
        stop.await();
      }
    } finally {
      driver.close();
      if (embedded != null) embedded.close();
    }
  }

  private static void run(Options o, Driver driver, boolean external) throws Exception {
    String l = ":`" + o.label + "`";
    if (o.load) {
      long start = System.nanoTime();
      SampleGraph.Counts counts = SampleGraph.load(driver, o.nodes, o.edges, o.label, o.type);
      System.out.printf("Loaded %d :%s nodes and %d :%s relationships from %s in %d ms%n",
          counts.nodes(), o.label, counts.relationships(), o.type, o.edges,
          (System.nanoTime() - start) / 1_000_000);
    }
    String selection = "nodeLabels: '" + o.label + "', relationshipTypes: '" + o.type
        + "', orientation: 'UNDIRECTED', relationshipWeightProperty: 'weight', "
        + "embeddingDimension: " + o.dimensions + ", randomSeed: " + o.seed
        + ", deterministic: true, positiveSamplingFactor: 0, concurrency: 2";
    try (Session session = driver.session()) {
      Record estimate = session.run("CALL n2v.estimate({" + selection + "})").single();
      System.out.printf("n2v.estimate: %d nodes, %d relationships, %s of sidecar memory, "
          + "~%.2f s%n", estimate.get("nodeCount").asLong(),
          estimate.get("relationshipCount").asLong(), estimate.get("requiredMemory").asString(),
          estimate.get("estimatedSeconds").asDouble());
      String[][] runs = {
        {"n2v_homophily", "1.0", "0.5", "homophily (p = 1, q = 0.5)"},
        {"n2v_structural", "1.0", "2.0", "structural equivalence (p = 1, q = 2)"}};
      for (String[] run : runs) {
        String query = "CALL n2v.write({" + selection + ", returnFactor: " + run[1]
            + ", inOutFactor: " + run[2] + ", writeProperty: '" + run[0] + "'"
            + (run[0].equals("n2v_homophily") ? ", vectorIndex: true" : "") + "})";
        Record r = session.run(query).single();
        System.out.printf("%nCALL n2v.write -> %s: %d nodes, %d relationships, %d properties "
            + "written; read+upload %d ms, compute %d ms, write %d ms, loss %s%n",
            run[3], r.get("nodeCount").asLong(), r.get("relationshipCount").asLong(),
            r.get("nodePropertiesWritten").asLong(), r.get("preProcessingMillis").asLong(),
            r.get("computeMillis").asLong(), r.get("writeMillis").asLong(),
            r.get("lossPerIteration").asList());
      }
      printNeighbours(session, o, l);
      drawFigures(session, o, l);
    }
    System.out.printf("%nTry next (in cypher-shell or Neo4j Browser on the Bolt address):%n"
        + "  MATCH (c%s {name: 'Valjean'}) CALL db.index.vector.queryNodes('%s_n2v_homophily_n2v', "
        + "6, c.n2v_homophily) YIELD node, score RETURN node.name, score%n"
        + "  CALL n2v.stream({nodeLabels: '%s', embeddingDimension: 16}) YIELD nodeId, embedding "
        + "RETURN nodeId, embedding LIMIT 3%n"
        + "  CALL n2v.edgeFeatures.stream({nodeLabels: '%s', operator: 'COSINE'}) "
        + "YIELD sourceNodeId, targetNodeId, features RETURN * LIMIT 5%n"
        + "  CALL n2v.jobs()%n", l, o.label, o.label, o.label);
  }

  private static void printNeighbours(Session session, Options o, String l) {
    List<Record> hubs = session.run("MATCH (c" + l + ")-[r]-() RETURN c.name AS name, "
        + "c.n2v_homophily AS v, count(r) AS degree ORDER BY degree DESC LIMIT 3").list();
    System.out.printf("%nNearest neighbours by cosine (homophily vectors, vector index):%n");
    for (Record hub : hubs) {
      List<String> near = new ArrayList<>();
      for (Record r : session.run("CALL db.index.vector.queryNodes($index, 6, $v) "
          + "YIELD node, score RETURN node.name AS name, score", Map.of(
              "index", o.label + "_n2v_homophily_n2v", "v", hub.get("v").asList())).list()) {
        if (!r.get("name").asString().equals(hub.get("name").asString())) {
          near.add(String.format(Locale.ROOT, "%s %.3f", r.get("name").asString(),
              r.get("score").asDouble()));
        }
      }
      System.out.printf("  %-14s -> %s%n", hub.get("name").asString(), String.join(", ", near));
    }
  }

  private static void drawFigures(Session session, Options o, String l) throws Exception {
    List<Record> nodes = session.run("MATCH (c" + l + ") RETURN id(c) AS id, c.name AS name, "
        + "c.n2v_homophily AS h, c.n2v_structural AS s ORDER BY id").list();
    Map<Long, Integer> index = new HashMap<>();
    String[] names = new String[nodes.size()];
    double[][] homophily = new double[nodes.size()][];
    double[][] structural = new double[nodes.size()][];
    for (int i = 0; i < nodes.size(); i++) {
      Record r = nodes.get(i);
      index.put(r.get("id").asLong(), i);
      names[i] = r.get("name").asString();
      homophily[i] = r.get("h").asList(v -> v.asDouble()).stream().mapToDouble(d -> d).toArray();
      structural[i] = r.get("s").asList(v -> v.asDouble()).stream().mapToDouble(d -> d).toArray();
    }
    List<Record> rels = session.run("MATCH (a" + l + ")-[r:`" + o.type + "`]->(b" + l + ") "
        + "RETURN id(a) AS a, id(b) AS b, r.weight AS w").list();
    int[][] edges = new int[rels.size()][];
    double[] weights = new double[rels.size()];
    for (int e = 0; e < rels.size(); e++) {
      edges[e] = new int[] {index.get(rels.get(e).get("a").asLong()),
          index.get(rels.get(e).get("b").asLong())};
      weights[e] = rels.get(e).get("w").isNull() ? 1 : rels.get(e).get("w").asDouble();
    }
    double[][] pos = Figure3.layout(names.length, edges, o.seed);
    Path top = o.out.resolve("figure3_homophily.png");
    Path bottom = o.out.resolve("figure3_structural.png");
    Figure3.draw(top, "node2vec p=1, q=0.5: k-means (k=" + o.homophilyClusters
        + ") of the vectors shows communities (homophily)", names, pos, edges, weights,
        Figure3.kmeans(homophily, o.homophilyClusters, o.seed));
    Figure3.draw(bottom, "node2vec p=1, q=2: k-means (k=" + o.roleClusters
        + ") of the vectors shows roles (structural equivalence)", names, pos, edges, weights,
        Figure3.kmeans(structural, o.roleClusters, o.seed));
    System.out.printf("%nFigure 3 of the node2vec paper, for this graph:%n  %s%n  %s%n",
        top.toAbsolutePath(), bottom.toAbsolutePath());
  }
}
