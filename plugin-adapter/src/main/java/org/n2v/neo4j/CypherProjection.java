// The aggregation behind the Cypher projection n2v.graph.project(graphName,
// sourceNode, targetNode, dataConfig, configuration): each row adds its
// source node, and its relationship to the target when there is one. The
// rows are held in compact arrays until the aggregation ends (16 bytes a
// relationship, 8 a node without one, 8 a property value), then the graph
// goes to the sidecar as a named graph of the caller (GraphCreation), which
// visits the arrays twice, to count and to upload: the distinct nodes and
// their degrees are worked out once, in a hash index (NodeIndex).
// As in GDS, parallel rows are parallel relationships (node2vec's walks
// then weigh them as one relationship of the summed weight), and a
// relationship is undirected when its type is in undirectedRelationshipTypes.
package org.n2v.neo4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Label;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Transaction;
import org.neo4j.kernel.api.Statement;
import org.neo4j.kernel.impl.api.KernelStatement;
import org.neo4j.kernel.impl.coreapi.InternalTransaction;
import org.neo4j.logging.Log;
import org.neo4j.procedure.TerminationGuard;

final class CypherProjection implements ProjectedGraph {
  /** GDS's type of relationships without relationshipType. */
  static final String ALL_TYPES = "__ALL__";

  private final GraphDatabaseService db;
  private final Transaction tx;
  private final TerminationGuard guard;
  private final Log log;
  private final long start = System.nanoTime();
  private String graphName;
  private ProcedureConfig configuration;
  private long rows;
  /** Source nodes of rows without a target; the others are in sources and targets. */
  private final Growable nodes = new Growable();
  private final Growable sources = new Growable();
  private final Growable targets = new Growable();
  private final Growable types = new Growable();
  private final List<String> typeNames = new ArrayList<>();
  private final List<String> properties = new ArrayList<>();
  private final List<double[]> values = new ArrayList<>();
  private final Map<String, TreeSet<String>> nodeSchema = new TreeMap<>();
  private final Map<String, TreeSet<String>> relationshipSchema = new TreeMap<>();
  /** The distinct nodes and their degrees: worked out at the first visit. */
  private NodeIndex index;

  CypherProjection(GraphDatabaseService db, Transaction tx, TerminationGuard guard, Log log) {
    this.db = db;
    this.tx = tx;
    this.guard = guard;
    this.log = log;
  }

  /** One row of the aggregation. */
  void add(String graphName, Object source, Object target, Object dataConfig,
      Object configuration) {
    if (this.graphName == null) {
      this.graphName = GraphNames.check(graphName);
      this.configuration = CypherProjectionConfig.parse(configuration);
    } else if (!this.graphName.equals(graphName)) {
      throw new IllegalArgumentException("n2v.graph.project projects one graph per aggregation: "
          + "graphName is '" + this.graphName + "', then '" + graphName + "'");
    }
    if (rows++ % 4096 == 0) guard.check();
    ProcedureConfig data = CypherProjectionConfig.parseData(dataConfig);
    long s = nodeId(source, "sourceNode");
    schema(source, data, "sourceNodeLabels", "sourceNodeProperties");
    if (target == null) {
      nodes.add(s);
      return;
    }
    long t = nodeId(target, "targetNode");
    schema(target, data, "targetNodeLabels", "targetNodeProperties");
    String type = data.string("relationshipType").orElse(ALL_TYPES);
    int typeIndex = typeNames.indexOf(type);
    if (typeIndex < 0) {
      typeNames.add(type);
      typeIndex = typeNames.size() - 1;
      relationshipSchema.put(type, new TreeSet<>());
    }
    sources.add(s);
    targets.add(t);
    types.add(typeIndex);
    relationshipValues(data.raw("relationshipProperties"), type);
  }

  private static long nodeId(Object node, String argument) {
    if (node instanceof Node n) return n.getId();
    if (node instanceof Long || node instanceof Integer) return ((Number) node).longValue();
    throw new IllegalArgumentException("The " + argument + " of n2v.graph.project must be a node "
        + "or a node id, got " + ProcedureConfig.describe(node));
  }

  /** Records the labels and property names a node is projected with. */
  private void schema(Object node, ProcedureConfig data, String labelsKey, String propertiesKey) {
    List<String> labels = new ArrayList<>();
    Object given = data.raw(labelsKey);
    if (Boolean.TRUE.equals(given) && node instanceof Node n) {
      for (Label l : n.getLabels()) labels.add(l.name());
    } else if (given instanceof String || given instanceof List<?>) {
      labels.addAll(data.stringList(labelsKey));
    } else if (given != null && !(given instanceof Boolean)) {
      throw new IllegalArgumentException("dataConfig key '" + labelsKey + "' must be a boolean, "
          + "a label or a list of labels, got " + ProcedureConfig.describe(given));
    }
    if (labels.isEmpty()) labels.add(NativeProjection.ALL);
    Object properties = data.raw(propertiesKey);
    if (properties != null && !(properties instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("dataConfig key '" + propertiesKey + "' must be a map, "
          + "got " + ProcedureConfig.describe(properties));
    }
    for (String label : labels) {
      TreeSet<String> names = nodeSchema.computeIfAbsent(label, l -> new TreeSet<>());
      if (properties instanceof Map<?, ?> m) m.keySet().forEach(k -> names.add(String.valueOf(k)));
    }
  }

  private void relationshipValues(Object given, String type) {
    if (given != null && !(given instanceof Map<?, ?>)) {
      throw new IllegalArgumentException("dataConfig key 'relationshipProperties' must be a map, "
          + "got " + ProcedureConfig.describe(given));
    }
    int row = sources.size - 1;
    Map<?, ?> map = given == null ? Map.of() : (Map<?, ?>) given;
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = String.valueOf(e.getKey());
      relationshipSchema.get(type).add(name);
      int index = properties.indexOf(name);
      if (index < 0) {
        properties.add(name);
        values.add(new double[0]);
        index = properties.size() - 1;
      }
      Object v = e.getValue();
      if (v != null && !(v instanceof Number)) {
        throw new IllegalArgumentException("Relationship property '" + name + "' from node "
            + sources.get(row) + " to node " + targets.get(row) + " is "
            + ProcedureConfig.describe(v) + ". Projected relationship properties must be "
            + "numeric.");
      }
      values.set(index, set(values.get(index), row, v == null ? Double.NaN
          : ((Number) v).doubleValue()));
    }
  }

  /** `column` with `row` set to `value`, grown (NaN-filled) as needed. */
  private static double[] set(double[] column, int row, double value) {
    double[] out = column;
    if (row >= column.length) {
      out = Arrays.copyOf(column, Math.max(row + 1, column.length * 2));
      Arrays.fill(out, column.length, out.length, Double.NaN);
    }
    out[row] = value;
    return out;
  }

  // ------------------------------------------------------------ the graph

  @Override
  public List<String> properties() { return properties; }

  @Override
  public boolean held() { return true; }

  @Override
  public void visit(Visitor visitor, boolean bounded) {
    boolean[] undirected = undirectedTypes();
    if (index == null) {
      NodeIndex nodes = new NodeIndex(1024);
      for (int r = 0; r < sources.size; r++) {
        nodes.degrees[nodes.add(sources.get(r))]++;
        int target = nodes.add(targets.get(r));
        if (undirected[(int) types.get(r)]) nodes.degrees[target]++;
      }
      for (int i = 0; i < this.nodes.size; i++) nodes.add(this.nodes.get(i));
      index = nodes;
    }
    for (int i = 0; i < index.size; i++) visitor.node(index.ids[i], index.degrees[i]);
    double[] row = new double[properties.size()];
    for (int r = 0; r < sources.size; r++) {
      for (int p = 0; p < row.length; p++) {
        double[] column = values.get(p);
        row[p] = r < column.length ? column[r] : Double.NaN;
      }
      visitor.relationship(sources.get(r), targets.get(r), undirected[(int) types.get(r)], row);
    }
  }

  private boolean[] undirectedTypes() {
    List<String> undirected =
        CypherProjectionConfig.optionalList(configuration, "undirectedRelationshipTypes");
    boolean[] out = new boolean[typeNames.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = undirected.contains("*") || undirected.contains(typeNames.get(i));
    }
    return out;
  }

  private boolean allUndirected() {
    boolean[] undirected = undirectedTypes();
    if (undirected.length == 0) return false;
    for (boolean u : undirected) if (!u) return false;
    return true;
  }

  // ------------------------------------------------------------ the result

  /** Uploads the graph; GDS's result map, or null when there was no row. */
  Map<String, Object> result() {
    if (graphName == null) return null;
    CallerIdentity caller = CallerIdentity.of(tx, db).actingAs(configuration.username());
    String trackingId = configuration.trackingId();
    Map<String, Object> echo = echo(trackingId);
    try (SidecarClient client = SidecarClient.open(db, caller)) {
      GraphCreation.checkFree(client, graphName);
      GraphCreation.Created created = GraphCreation.create(client, guard, log,
          new JobRunner.JobTag("n2v.graph.project", trackingId, configuration.logProgress()),
          graphName, this, allUndirected(), echo, nodeSchemaMap(), relationshipSchemaMap(),
          "The projection is empty.", 0);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("graphName", graphName);
      out.put("nodeCount", created.nodeCount());
      out.put("relationshipCount", created.relationshipCount());
      out.put("projectMillis", (System.nanoTime() - start) / 1_000_000);
      out.put("configuration", echo);
      out.put("query", echo.get("query"));
      return out;
    }
  }

  private Map<String, Object> echo(String trackingId) {
    Map<String, Object> out = GraphProjectConfig.echo(configuration, trackingId);
    out.remove("validateRelationships");
    out.put("undirectedRelationshipTypes",
        CypherProjectionConfig.optionalList(configuration, "undirectedRelationshipTypes"));
    out.put("inverseIndexedRelationshipTypes",
        CypherProjectionConfig.optionalList(configuration, "inverseIndexedRelationshipTypes"));
    out.put("query", queryText());
    return out;
  }

  /** The text of the query running this aggregation, or "" when Neo4j does not tell. */
  private String queryText() {
    try (Statement statement = ((InternalTransaction) tx).kernelTransaction().acquireStatement()) {
      return ((KernelStatement) statement).queryRegistry().executingQuery()
          .map(q -> q.rawQueryText()).orElse("");
    } catch (RuntimeException | LinkageError e) {
      return "";
    }
  }

  private Map<String, Map<String, Object>> nodeSchemaMap() {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    nodeSchema.forEach((label, names) -> {
      Map<String, Object> properties = new TreeMap<>();
      names.forEach(n -> properties.put(n, "Float (DefaultValue(NaN), PERSISTENT)"));
      out.put(label, properties);
    });
    return out;
  }

  private Map<String, Map<String, Object>> relationshipSchemaMap() {
    List<String> undirected =
        CypherProjectionConfig.optionalList(configuration, "undirectedRelationshipTypes");
    Map<String, Map<String, Object>> out = new TreeMap<>();
    relationshipSchema.forEach((type, names) -> {
      Map<String, Object> properties = new TreeMap<>();
      names.forEach(n ->
          properties.put(n, "Float (DefaultValue(NaN), PERSISTENT, Aggregation.NONE)"));
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("orientation", undirected.contains("*") || undirected.contains(type)
          ? "UNDIRECTED" : "NATURAL");
      entry.put("properties", properties);
      out.put(type, entry);
    });
    return out;
  }

  /** A growable long array. */
  private static final class Growable {
    long[] values = new long[1024];
    int size;

    void add(long v) {
      if (size == values.length) values = Arrays.copyOf(values, size * 2);
      values[size++] = v;
    }

    long get(int i) { return values[i]; }
  }
}
