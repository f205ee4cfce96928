// One test class's world: a real n2v-sidecar, Neo4j 5.26 in-process with
// every n2v procedure registered and the sidecar as its configured address,
// the Java driver over Bolt, and a gRPC stub to ask the sidecar directly what
// it received.
package org.n2v.neo4j;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.n2v.grpc.v1.N2vGrpc;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilder;
import org.neo4j.harness.Neo4jBuilders;

final class PluginHarness implements AutoCloseable {
  final SidecarProcess sidecar;
  final Neo4j neo4j;
  final Driver driver;
  private final ManagedChannel channel;
  final N2vGrpc.N2vBlockingStub grpc;

  private PluginHarness(SidecarProcess sidecar, Neo4j neo4j, Driver driver,
      ManagedChannel channel) {
    this.sidecar = sidecar;
    this.neo4j = neo4j;
    this.driver = driver;
    this.channel = channel;
    this.grpc = N2vGrpc.newBlockingStub(channel);
  }

  static PluginHarness start(String... sidecarArgs) throws Exception {
    return start(Map.of(), sidecarArgs);
  }

  /** Like start(sidecarArgs), with `settings` in Neo4j's configuration. */
  static PluginHarness start(Map<Setting<?>, Object> settings, String... sidecarArgs)
      throws Exception {
    SidecarProcess sidecar = SidecarProcess.start(sidecarArgs);
    Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder();
    settings.forEach((setting, value) -> configure(builder, setting, value));
    // No dbms.security.procedures.unrestricted: the plugin must work without it.
    Neo4j neo4j = builder
        .withDisabledServer()
        .withConfig(N2vSettings.SIDECAR_ADDRESS, sidecar.address())
        // Bolt otherwise waits seconds for a quiet period when the harness stops.
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout,
            Duration.ofSeconds(3))
        .withProcedure(StreamProc.class)
        .withProcedure(WriteProc.class)
        .withProcedure(EdgeFeaturesProc.class)
        .withProcedure(EstimateProc.class)
        .withProcedure(JobsProc.class)
        .build();
    Driver driver = GraphDatabase.driver(neo4j.boltURI());
    driver.verifyConnectivity();
    ManagedChannel channel =
        ManagedChannelBuilder.forTarget(sidecar.address()).usePlaintext().build();
    return new PluginHarness(sidecar, neo4j, driver, channel);
  }

  @SuppressWarnings("unchecked")
  private static <T> void configure(Neo4jBuilder builder, Setting<T> setting, Object value) {
    builder.withConfig(setting, (T) value);
  }

  List<Record> run(String cypher, Map<String, Object> params) {
    try (Session session = driver.session()) {
      return session.run(cypher, params).list();
    }
  }

  List<Record> run(String cypher) { return run(cypher, Map.of()); }

  Record single(String cypher, Map<String, Object> params) {
    try (Session session = driver.session()) {
      return session.run(cypher, params).single();
    }
  }

  Record single(String cypher) { return single(cypher, Map.of()); }

  /**
   * The numeric fields of the sidecar's log line for `event` ("snapshot_created",
   * "job_queued", ...) about snapshot `snapshotId`: nodes, edges, arcs, self_loops, ...
   */
  static Map<String, Long> sidecarLog(SidecarProcess sidecar, String event, String snapshotId)
      throws IOException {
    Pattern field = Pattern.compile("\"(\\w+)\":(\\d+)[,}]");
    for (String line : Files.readAllLines(sidecar.logFile())) {
      if (line.contains("\"event\":\"" + event + "\"")
          && line.contains("\"snapshot_id\":\"" + snapshotId + "\"")) {
        Map<String, Long> out = new java.util.TreeMap<>();
        Matcher m = field.matcher(line);
        while (m.find()) out.put(m.group(1), Long.parseLong(m.group(2)));
        return out;
      }
    }
    throw new AssertionError("no " + event + " line for " + snapshotId + " in the sidecar log:\n"
        + Files.readString(sidecar.logFile()));
  }

  Map<String, Long> sidecarLog(String event, String snapshotId) throws IOException {
    return sidecarLog(sidecar, event, snapshotId);
  }

  /** A loopback port nothing listens on (bound, then released). */
  static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /**
   * Karate as :Member {id} nodes with :KNOWS relationships (created first, so
   * internal ids 0..33), then Les Misérables as :Character {id, name} with
   * :APPEARS_WITH {weight}.
   */
  void loadKarateAndLesMis() throws IOException {
    List<List<Long>> karate = new ArrayList<>();
    for (long[] e : karateEdges()) karate.add(List.of(e[0], e[1]));
    run("UNWIND range(1, 34) AS id CREATE (:Member {id: id})");
    run("UNWIND $edges AS e MATCH (a:Member {id: e[0]}), (b:Member {id: e[1]}) "
        + "CREATE (a)-[:KNOWS]->(b)", Map.of("edges", karate));
    List<Map<String, Object>> names = new ArrayList<>();
    for (String line : Files.readAllLines(dataset("lesmis", "lesmis.nodes.csv"))
        .subList(1, 78)) {
      String[] f = line.split(",", 2);
      names.add(Map.of("id", Long.parseLong(f[0]), "name", f[1]));
    }
    List<List<Long>> lesmis = new ArrayList<>();
    for (String line : Files.readAllLines(dataset("lesmis", "lesmis.edges.csv"))) {
      if (line.startsWith("source")) continue;
      String[] f = line.split(",");
      lesmis.add(List.of(Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2])));
    }
    run("UNWIND $names AS n CREATE (:Character {id: n.id, name: n.name})",
        Map.of("names", names));
    run("UNWIND $edges AS e MATCH (a:Character {id: e[0]}), (b:Character {id: e[1]}) "
        + "CREATE (a)-[:APPEARS_WITH {weight: e[2]}]->(b)", Map.of("edges", lesmis));
  }

  /** Karate's edges as [u, v] pairs, 1-based, in file order. */
  static List<long[]> karateEdges() throws IOException {
    List<long[]> edges = new ArrayList<>();
    for (String line : Files.readAllLines(dataset("karate", "karate.edgelist"))) {
      if (line.isBlank()) continue;
      String[] f = line.trim().split("\\s+");
      edges.add(new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])});
    }
    return edges;
  }

  static Path dataset(String... parts) {
    String root = System.getProperty("n2v.datasets");
    if (root == null) {
      throw new IllegalStateException("-Dn2v.datasets is not set (the pom sets it)");
    }
    return Path.of(root, parts);
  }

  @Override
  public void close() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    driver.close();
    neo4j.close();
    sidecar.close();
  }
}
