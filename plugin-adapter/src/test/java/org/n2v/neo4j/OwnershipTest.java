// Every user sees only their own work: with Neo4j authentication on and
// two users, neither can see, read, cancel or delete the other's graphs,
// jobs or vectors, through the procedures or at the sidecar as the plugin
// would ask for them; an admin (here: a direct sidecar call with n2v-admin
// through the trusted token, since Community Edition has no admin role)
// sees both. Also pins what Community Edition's security context reports.
package org.n2v.neo4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.n2v.grpc.v1.CancelJobRequest;
import org.n2v.grpc.v1.DeleteJobRequest;
import org.n2v.grpc.v1.DeleteSnapshotRequest;
import org.n2v.grpc.v1.FetchEmbeddingsRequest;
import org.n2v.grpc.v1.GetJobRequest;
import org.n2v.grpc.v1.GetSnapshotRequest;
import org.n2v.grpc.v1.ListJobsRequest;
import org.n2v.grpc.v1.ListSnapshotsRequest;
import org.n2v.grpc.v1.N2vGrpc;
import org.n2v.grpc.v1.Snapshot;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.driver.Driver;
import org.neo4j.driver.Record;
import org.neo4j.driver.Session;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.graphdb.config.Setting;

@Timeout(300)
class OwnershipTest {
  private static final String SMALL = "embeddingDimension: 4, walkLength: 5, walksPerNode: 1";
  private static final String TOKEN = "s3cret";
  @TempDir static Path tmp;
  private static PluginHarness h;
  private static Driver alice;
  private static Driver bob;
  private static String alicesJob;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = tmp.resolve("tokens");
    Files.writeString(tokens, TOKEN + " plugin trusted\n");
    Map<Setting<?>, Object> settings = Map.of(GraphDatabaseSettings.auth_enabled, true,
        N2vSettings.SIDECAR_TOKEN_FILE, tokens.toString());
    h = PluginHarness.start(List.of("--token-file", tokens.toString()), settings, TOKEN,
        SecurityContextProbe.class);
    alice = h.createUser("alice", "alice-password");
    bob = h.createUser("bob", "bob-password");
    h.run("UNWIND range(0, 9) AS i CREATE (:P {i: i})");
    h.run("MATCH (a:P), (b:P) WHERE b.i = (a.i + 1) % 10 CREATE (a)-[:R]->(b)");
    run(alice, "CALL n2v.graph.project('g', 'P', 'R')");
    run(alice, "CALL n2v.graph.project('alices', 'P', 'R')");
    run(alice, "CALL n2v.mutate('alices', {mutateProperty: 'emb', " + SMALL + "})");
    run(bob, "CALL n2v.graph.project('g', 'P', 'R')");
    alicesJob = run(alice, "CALL n2v.write({nodeLabels: 'P', writeProperty: 'v', jobId: "
        + "'alice-job', " + SMALL + "}) YIELD jobId RETURN jobId").get(0).get("jobId").asString();
  }

  @AfterAll
  static void stop() throws Exception {
    if (alice != null) alice.close();
    if (bob != null) bob.close();
    if (h != null) h.close();
  }

  private static List<Record> run(Driver driver, String cypher) {
    try (Session session = driver.session()) {
      return session.run(cypher).list();
    }
  }

  private static void fails(Driver driver, String cypher, String part) {
    ClientException e = assertThrows(ClientException.class, () -> run(driver, cypher));
    assertTrue(e.getMessage().contains(part), "expected «" + part + "» in: " + e.getMessage());
  }

  private static Set<String> graphs(Driver driver) {
    return run(driver, "CALL n2v.graph.list() YIELD graphName RETURN graphName").stream()
        .map(r -> r.get("graphName").asString()).collect(Collectors.toCollection(TreeSet::new));
  }

  // ------------------------------------------------------------ what Neo4j reports

  @Test
  void communityEditionReportsTheUserAndNoRoles() {
    for (Object[] who : new Object[][] {{alice, "alice"}, {bob, "bob"}, {h.driver, "neo4j"}}) {
      Record r = run((Driver) who[0], "CALL test.securityContext()").get(0);
      assertEquals(who[1], r.get("executingUser").asString());
      assertEquals(List.of(), r.get("roles").asList(), "Community Edition has no roles");
    }
  }

  // ------------------------------------------------------------ graphs

  @Test
  void eachUserListsOnlyTheirGraphs() {
    assertEquals(Set.of("g", "alices"), graphs(alice));
    assertEquals(Set.of("g"), graphs(bob));
    assertEquals(Set.of(), graphs(h.driver), "the initial user is no admin on Community");
    assertEquals("alice", run(alice, "CALL n2v.graph.list('alices')").get(0)
        .get("configuration").get("username").asString());
  }

  @Test
  void anotherUsersGraphIsNotFound() {
    String missing = "Graph with name 'alices' does not exist on database 'neo4j'.";
    assertFalse(run(bob, "CALL n2v.graph.exists('alices')").get(0).get("exists").asBoolean());
    fails(bob, "CALL n2v.stream('alices', {" + SMALL + "})", missing);
    fails(bob, "CALL n2v.mutate('alices', {mutateProperty: 'x', " + SMALL + "})", missing);
    fails(bob, "CALL n2v.write('alices', {writeProperty: 'x', " + SMALL + "})", missing);
    fails(bob, "CALL n2v.stream.estimate('alices', {})", missing);
    fails(bob, "CALL n2v.graph.nodeProperty.stream('alices', 'emb')", missing);
    fails(bob, "CALL n2v.edgeFeatures.stream({graphName: 'alices', nodeProperty: 'emb'})",
        missing);
    fails(bob, "CALL n2v.graph.drop('alices')", missing);
    assertTrue(graphs(alice).contains("alices"), "still there");
  }

  @Test
  void sameNamesAreDifferentGraphs() {
    fails(bob, "CALL n2v.graph.nodeProperty.stream('g', 'emb')",
        "Node property 'emb' not found in graph 'g'. Its node properties (stored by "
            + "n2v.mutate): []");
    // Alice's own 'alices' has it.
    assertEquals(10, run(alice, "CALL n2v.graph.nodeProperty.stream('alices', 'emb')").size());
  }

  @Test
  void onlyAnAdminMayNameAnotherUser() {
    String refused = "Only an admin may act for another user: configuration key 'username' is "
        + "'alice', but the caller is 'bob'";
    fails(bob, "CALL n2v.stream('g', {username: 'alice'})", refused);
    fails(bob, "CALL n2v.graph.drop('alices', true, '', 'alice')", refused);
    fails(bob, "CALL n2v.graph.project('mine', 'P', 'R', {username: 'alice'})", refused);
  }

  // ------------------------------------------------------------ jobs and vectors

  @Test
  void jobsAreListedForTheirOwnerOnly() {
    List<Record> alicesJobs = run(alice, "CALL n2v.jobs() YIELD jobId, username, database "
        + "RETURN *");
    assertTrue(alicesJobs.stream().anyMatch(r -> r.get("jobId").asString().equals(alicesJob)
        && r.get("username").asString().equals("alice")
        && r.get("database").asString().equals("neo4j")), alicesJobs.toString());
    assertTrue(run(bob, "CALL n2v.jobs() YIELD jobId RETURN jobId").stream()
        .noneMatch(r -> r.get("jobId").asString().equals(alicesJob)));
    assertEquals(1, run(alice, "CALL n2v.listProgress('alice-job')").stream()
        .filter(r -> r.get("taskName").asString().equals("Node2Vec")).count());
    assertEquals(0, run(bob, "CALL n2v.listProgress('alice-job')").size());
    assertEquals(0, run(bob, "CALL n2v.listProgress('" + alicesJob + "')").size());
    fails(bob, "CALL n2v.edgeFeatures.stream({jobId: '" + alicesJob + "'})",
        "The n2v sidecar failed while computing edge features: NOT_FOUND: job '" + alicesJob
            + "' not found");
  }

  /** What the plugin would send for `user`: the trusted token and the user's metadata. */
  private static <T> T asUser(String user, java.util.function.Function<N2vGrpc.N2vBlockingStub,
      T> call) throws InterruptedException {
    Metadata metadata = new Metadata();
    metadata.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TOKEN);
    metadata.put(Metadata.Key.of("n2v-user", Metadata.ASCII_STRING_MARSHALLER), user);
    metadata.put(Metadata.Key.of("n2v-database", Metadata.ASCII_STRING_MARSHALLER), "neo4j");
    ManagedChannel channel = ManagedChannelBuilder.forTarget(h.sidecar.address()).usePlaintext()
        .intercept(MetadataUtils.newAttachHeadersInterceptor(metadata)).build();
    try {
      return call.apply(N2vGrpc.newBlockingStub(channel));
    } finally {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static void notFound(Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode(), e.toString());
  }

  @Test
  void atTheSidecarBobCanNeitherReadNorCancelNorDeleteAlicesWork() throws Exception {
    notFound(() -> asUser("bob", s -> s.getJob(
        GetJobRequest.newBuilder().setJobId(alicesJob).build())));
    notFound(() -> asUser("bob", s -> s.cancelJob(
        CancelJobRequest.newBuilder().setJobId(alicesJob).build())));
    notFound(() -> asUser("bob", s -> s.deleteJob(
        DeleteJobRequest.newBuilder().setJobId(alicesJob).build())));
    notFound(() -> asUser("bob", s -> s.fetchEmbeddings(
        FetchEmbeddingsRequest.newBuilder().setJobId(alicesJob).build()).hasNext()));
    notFound(() -> asUser("bob", s -> s.fetchEmbeddings(FetchEmbeddingsRequest.newBuilder()
        .setGraphName("alices").setNodeProperty("emb").build()).hasNext()));
    notFound(() -> asUser("bob", s -> s.getSnapshot(
        GetSnapshotRequest.newBuilder().setGraphName("alices").build())));
    notFound(() -> asUser("bob", s -> s.deleteSnapshot(
        DeleteSnapshotRequest.newBuilder().setGraphName("alices").build())));
    // The same calls as alice reach her work.
    assertEquals(alicesJob, asUser("alice", s -> s.getJob(
        GetJobRequest.newBuilder().setJobId(alicesJob).build())).getJobId());
    assertEquals("alices", asUser("alice", s -> s.getSnapshot(
        GetSnapshotRequest.newBuilder().setGraphName("alices").build())).getGraphName());
  }

  @Test
  void anAdminSeesEveryonesWorkWithItsOwner() {
    // h.grpc: the trusted token with n2v-admin, what the plugin sends for an Enterprise admin.
    Set<String> owners = new TreeSet<>();
    for (Snapshot s : h.grpc.listSnapshots(ListSnapshotsRequest.getDefaultInstance())
        .getSnapshotsList()) {
      if (s.getGraphName().equals("g")) owners.add(s.getOwner().getUser() + "@"
          + s.getOwner().getDatabase());
    }
    assertEquals(Set.of("alice@neo4j", "bob@neo4j"), owners);
    assertTrue(h.grpc.listJobs(ListJobsRequest.getDefaultInstance()).getJobsList().stream()
        .anyMatch(j -> j.getJobId().equals(alicesJob) && j.getOwner().getUser().equals("alice")));
  }
}
