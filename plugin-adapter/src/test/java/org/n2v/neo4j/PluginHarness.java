// One test class's world: a real n2v-sidecar, Neo4j 5.26 in-process with
// every n2v procedure and function registered and the sidecar as its
// configured address, the Java driver over Bolt, and a gRPC stub that asks
// the sidecar directly, as an admin, what it holds.
package org.n2v.neo4j;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
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
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.SessionConfig;
import org.neo4j.graphdb.config.Setting;
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

  /** The initial user's password when authentication is on. */
  static final String ADMIN_PASSWORD = "neo4j-admin-pw";

  static PluginHarness start(String... sidecarArgs) throws Exception {
    return start(List.of(sidecarArgs), Map.of(), null);
  }

  /**
   * A harness whose sidecar runs with `sidecarArgs`, whose Neo4j has the
   * extra `settings` (e.g. auth_enabled, the token file), and whose direct
   * stub sends `grpcToken` (null: none).
   */
  static PluginHarness start(List<String> sidecarArgs, Map<Setting<?>, Object> settings,
      String grpcToken, Class<?>... moreProcedures) throws Exception {
    SidecarProcess sidecar = SidecarProcess.start(sidecarArgs.toArray(String[]::new));
    return around(sidecar, settings, grpcToken, moreProcedures);
  }

  /** A harness around a sidecar the caller started (and this harness will stop). */
  static PluginHarness around(SidecarProcess sidecar, Map<Setting<?>, Object> settings,
      String grpcToken, Class<?>... moreProcedures) throws Exception {
    Neo4j neo4j = neo4j(sidecar.address(), settings, moreProcedures);
    boolean auth = Boolean.TRUE.equals(settings.get(GraphDatabaseSettings.auth_enabled));
    if (auth) setInitialPassword(neo4j);
    Driver driver = auth
        ? GraphDatabase.driver(neo4j.boltURI(), AuthTokens.basic("neo4j", ADMIN_PASSWORD))
        : GraphDatabase.driver(neo4j.boltURI());
    driver.verifyConnectivity();
    Metadata admin = new Metadata();
    admin.put(Metadata.Key.of("n2v-admin", Metadata.ASCII_STRING_MARSHALLER), "true");
    if (grpcToken != null) {
      admin.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + grpcToken);
    }
    ManagedChannel channel = ManagedChannelBuilder.forTarget(sidecar.address()).usePlaintext()
        .intercept(MetadataUtils.newAttachHeadersInterceptor(admin)).build();
    return new PluginHarness(sidecar, neo4j, driver, channel);
  }

  /**
   * Neo4j 5.26 in-process with every n2v procedure and function, the sidecar
   * at `address`, and `settings`. No dbms.security.procedures.unrestricted:
   * the plugin must work without it.
   */
  static Neo4j neo4j(String address, Map<Setting<?>, Object> settings,
      Class<?>... moreProcedures) {
    Neo4jBuilder builder = Neo4jBuilders.newInProcessBuilder()
        .withDisabledServer()
        .withConfig(N2vSettings.SIDECAR_ADDRESS, address)
        // Bolt otherwise waits seconds for a quiet period when the harness stops.
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
        .withConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout,
            Duration.ofSeconds(3));
    for (Map.Entry<Setting<?>, Object> e : settings.entrySet()) {
      builder = withSetting(builder, e.getKey(), e.getValue());
    }
    for (Class<?> procedures : PROCEDURES) builder = builder.withProcedure(procedures);
    for (Class<?> procedures : moreProcedures) builder = builder.withProcedure(procedures);
    return builder.withAggregationFunction(CypherProjectionFunc.class).build();
  }

  /** Every class of n2v procedures. */
  static final List<Class<?>> PROCEDURES = List.of(StreamProc.class, WriteProc.class,
      MutateProc.class, EstimateProc.class, EstimateModesProc.class, EdgeFeaturesProc.class,
      JobsProc.class, ListProgressProc.class, GraphProjectProc.class, GraphListProc.class,
      GraphDropProc.class, GraphExistsProc.class, NodePropertyStreamProc.class);

  @SuppressWarnings("unchecked")
  private static <T> Neo4jBuilder withSetting(Neo4jBuilder builder, Setting<T> setting,
      Object value) {
    return builder.withConfig(setting, (T) value);
  }

  /** Authentication on: the initial user 'neo4j' must change its password first. */
  private static void setInitialPassword(Neo4j neo4j) {
    try (Driver first = GraphDatabase.driver(neo4j.boltURI(), AuthTokens.basic("neo4j", "neo4j"));
        Session system = first.session(SessionConfig.forDatabase("system"))) {
      system.run("ALTER CURRENT USER SET PASSWORD FROM 'neo4j' TO '" + ADMIN_PASSWORD + "'")
          .consume();
    }
  }

  /**
   * Another Neo4j with the procedures, for settings (another sidecar
   * address, a token) that the harness of a test class does not have.
   */
  record OtherNeo4j(Neo4j neo4j, Driver driver) implements AutoCloseable {
    static OtherNeo4j start(String address, Map<Setting<?>, Object> settings) {
      Neo4j neo4j = PluginHarness.neo4j(address, settings);
      Driver driver = GraphDatabase.driver(neo4j.boltURI());
      driver.verifyConnectivity();
      return new OtherNeo4j(neo4j, driver);
    }

    List<Record> run(String cypher) {
      try (Session session = driver.session()) {
        return session.run(cypher).list();
      }
    }

    @Override
    public void close() {
      driver.close();
      neo4j.close();
    }
  }

  /** Creates a user (authentication on) and returns a driver logged in as it. */
  Driver createUser(String user, String password) {
    try (Session system = driver.session(SessionConfig.forDatabase("system"))) {
      system.run("CREATE USER " + user + " SET PASSWORD '" + password + "' CHANGE NOT REQUIRED")
          .consume();
    }
    Driver as = GraphDatabase.driver(neo4j.boltURI(), AuthTokens.basic(user, password));
    as.verifyConnectivity();
    return as;
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

  /**
   * 3000 :Big nodes (property i) and 15000 :LINK relationships spread over them: enough
   * for jobs that run a while.
   */
  void createBigGraph() {
    run("UNWIND range(0, 2999) AS i CREATE (:Big {i: i})");
    run("MATCH (n:Big) WITH collect(n) AS nodes "
        + "UNWIND range(0, 14999) AS k "
        + "WITH nodes[k % 3000] AS a, nodes[(k * 7919 + 13) % 3000] AS b "
        + "CREATE (a)-[:LINK]->(b)");
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
