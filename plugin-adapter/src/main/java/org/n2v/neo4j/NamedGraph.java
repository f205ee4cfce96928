// A named graph in the caller's catalog: the sidecar graph under its name,
// its weighted copies (GraphNames), and what the projection recorded
// (GraphProjection). Finds, lists and drops them, and tells which sidecar
// graph a run with a given relationshipWeightProperty uses and which one
// holds a mutated node property. Another user's graph is "not found", as
// the sidecar answers (proto/n2v/v1/n2v.proto, "Owners").
package org.n2v.neo4j;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.n2v.grpc.v1.GetSnapshotRequest;
import org.n2v.grpc.v1.ListSnapshotsRequest;
import org.n2v.grpc.v1.Snapshot;

record NamedGraph(String name, Snapshot graph, Map<String, Snapshot> weighted,
    GraphProjection projection) {

  /** The caller's graph `name`, with its weighted copies, or empty. */
  static Optional<NamedGraph> find(SidecarClient client, String name) {
    Optional<Snapshot> graph = snapshot(client, name);
    if (graph.isEmpty()) return Optional.empty();
    GraphProjection projection = GraphProjection.fromJson(graph.get().getProjection());
    Map<String, Snapshot> weighted = new LinkedHashMap<>();
    for (String property : projection.weights()) {
      snapshot(client, GraphNames.weighted(name, property)).ifPresent(s -> weighted.put(property, s));
    }
    return Optional.of(new NamedGraph(name, graph.get(), weighted, projection));
  }

  /** As find; a graph that does not exist is an error naming it and the database. */
  static NamedGraph require(SidecarClient client, String name, CallerIdentity caller) {
    return find(client, name).orElseThrow(() -> notFound(name, caller));
  }

  static IllegalArgumentException notFound(String name, CallerIdentity caller) {
    return new IllegalArgumentException("Graph with name '" + name + "' does not exist on "
        + "database '" + caller.database() + "'.");
  }

  private static Optional<Snapshot> snapshot(SidecarClient client, String sidecarName) {
    try {
      return Optional.of(client.blocking.getSnapshot(
          GetSnapshotRequest.newBuilder().setGraphName(sidecarName).build()));
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == Status.Code.NOT_FOUND) return Optional.empty();
      throw client.translate(e, "looking up graph '" + sidecarName + "'");
    }
  }

  /** The graphs the caller sees (an admin: everyone's), by owner and name. */
  static List<NamedGraph> list(SidecarClient client) {
    List<Snapshot> all;
    try {
      all = client.blocking.listSnapshots(ListSnapshotsRequest.getDefaultInstance())
          .getSnapshotsList();
    } catch (StatusRuntimeException e) {
      throw client.translate(e, "listing graphs");
    }
    List<NamedGraph> out = new ArrayList<>();
    for (Snapshot s : all) {
      if (s.getGraphName().isEmpty() || GraphNames.isWeightedCopy(s.getGraphName())) continue;
      GraphProjection projection = GraphProjection.fromJson(s.getProjection());
      Map<String, Snapshot> weighted = new LinkedHashMap<>();
      for (String property : projection.weights()) {
        String copy = GraphNames.weighted(s.getGraphName(), property);
        all.stream().filter(c -> c.getGraphName().equals(copy) && c.getOwner().equals(s.getOwner()))
            .findFirst().ifPresent(c -> weighted.put(property, c));
      }
      out.add(new NamedGraph(s.getGraphName(), s, weighted, projection));
    }
    out.sort(java.util.Comparator.comparing((NamedGraph g) -> g.graph().getOwner().getUser())
        .thenComparing(NamedGraph::name));
    return out;
  }

  /** Drops the graph and its weighted copies. */
  void drop(SidecarClient client) {
    EmbeddingPipeline.deleteSnapshot(client, graph.getSnapshotId());
    weighted.values().forEach(s -> EmbeddingPipeline.deleteSnapshot(client, s.getSnapshotId()));
  }

  /** The owner's user name. */
  String owner() { return MetadataText.decode(graph.getOwner().getUser()); }

  String database() { return MetadataText.decode(graph.getOwner().getDatabase()); }

  // ------------------------------------------------------------ runs

  /**
   * The sidecar graph a run weighs by `property` on (none: the unweighted
   * graph). A property the projection does not hold, or whose values cannot
   * be weights, is an error that says so.
   */
  String sidecarGraph(Optional<String> property) {
    if (property.isEmpty()) return name;
    String p = property.get();
    if (weighted.containsKey(p)) return GraphNames.weighted(name, p);
    String unusable = projection.unusableWeights().get(p);
    if (unusable != null) {
      throw new IllegalArgumentException("Relationship property '" + p + "' of graph '" + name
          + "' cannot weigh node2vec's walks: " + unusable + ".");
    }
    if (projection.weights().contains(p)) {
      throw new IllegalArgumentException("The weighted copy of graph '" + name + "' for '" + p
          + "' is gone from the sidecar (dropped after its retention time or a restart); "
          + "project the graph again.");
    }
    throw new IllegalArgumentException("Relationship weight property '" + p + "' not found in "
        + "graph '" + name + "'. Properties on every relationship type: " + weightCandidates());
  }

  private Set<String> weightCandidates() {
    Set<String> out = new TreeSet<>(projection.weights());
    out.addAll(projection.unusableWeights().keySet());
    return out;
  }

  /**
   * Runs use the whole graph: nodeLabels and relationshipTypes must be '*'
   * or all of the graph's (the sidecar holds the graph without them).
   */
  void checkFilter(List<String> nodeLabels, List<String> relationshipTypes) {
    check("nodeLabels", nodeLabels, projection.nodeSchema().keySet());
    check("relationshipTypes", relationshipTypes, projection.relationshipSchema().keySet());
  }

  private void check(String key, List<String> given, Set<String> all) {
    if (given.contains("*") || new TreeSet<>(given).equals(new TreeSet<>(all))) return;
    Set<String> unknown = new TreeSet<>(given);
    unknown.removeAll(all);
    throw new IllegalArgumentException(unknown.isEmpty()
        ? "Configuration key '" + key + "' must be '*' or all of " + new TreeSet<>(all)
            + ": n2v runs on the whole graph '" + name + "'; project a graph of " + given
            + " to embed only those"
        : "Configuration key '" + key + "' names " + unknown + ", which graph '" + name
            + "' does not hold. It holds " + new TreeSet<>(all));
  }

  // ------------------------------------------------------------ node properties

  /** Node properties n2v.mutate stored on the graph or its copies. */
  Set<String> nodeProperties() {
    Set<String> out = new TreeSet<>(graph.getNodePropertiesList());
    weighted.values().forEach(s -> out.addAll(s.getNodePropertiesList()));
    return out;
  }

  /** The sidecar graph holding a mutated node property, or empty. */
  Optional<String> holderOf(String property) {
    if (graph.getNodePropertiesList().contains(property)) return Optional.of(name);
    for (Map.Entry<String, Snapshot> e : weighted.entrySet()) {
      if (e.getValue().getNodePropertiesList().contains(property)) {
        return Optional.of(GraphNames.weighted(name, e.getKey()));
      }
    }
    return Optional.empty();
  }

  /** As holderOf; a property that is not there is an error naming the ones that are. */
  String requireHolderOf(String property) {
    return holderOf(property).orElseThrow(() -> new IllegalArgumentException(
        "Node property '" + property + "' not found in graph '" + name + "'. Its node "
            + "properties (stored by n2v.mutate): " + nodeProperties()));
  }

  // ------------------------------------------------------------ GDS's columns

  long nodeCount() { return graph.getNodes(); }

  /** GDS's count; for another client's graph, the sidecar's edges (undirected ones twice). */
  long relationshipCount() {
    if (projection.recorded()) return projection.relationshipCount();
    return graph.getDirected() ? graph.getEdges() : 2 * graph.getEdges();
  }

  /** Bytes held on the sidecar: the graph and its weighted copies. */
  long sizeInBytes() {
    long bytes = graph.getMemoryBytes();
    for (Snapshot s : weighted.values()) bytes += s.getMemoryBytes();
    return bytes;
  }

  long createdMillis() { return graph.getCreatedUnixMs(); }

  /** When a run or a read last used it (or a copy). */
  long lastUsedMillis() {
    long last = graph.getLastUsedUnixMs();
    for (Snapshot s : weighted.values()) last = Math.max(last, s.getLastUsedUnixMs());
    return last;
  }
}
