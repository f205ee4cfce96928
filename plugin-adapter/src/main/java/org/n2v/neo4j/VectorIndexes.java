// Neo4j vector indexes on the property n2v.write writes.
//
// Before anything runs, check() compares the indexes that exist with the
// call: a vector index on writeProperty of a selected label must have
// embeddingDimension dimensions (Neo4j would silently leave other vectors
// out of it). With vectorIndex: true, an index with the requested name (or,
// without vectorIndexName, the vector index on that label and property)
// must be that very index: type VECTOR, on nodes, label, property,
// dimensions, similarity function; else the call fails naming each part that
// differs. A vector index on the label and property under another name than
// an explicit vectorIndexName fails too (Neo4j keeps one per property).
//
// After the vectors are committed, ensure() creates the index when none
// exists and waits for it to come online, at most dbms.n2v.vector_index_wait;
// when it is not online by then the call fails and says that the vectors are
// committed. Reading and creating indexes needs the SCHEMA procedure mode,
// hence n2v.write's mode.
package org.n2v.neo4j;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.neo4j.configuration.Config;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.security.AuthorizationViolationException;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

final class VectorIndexes {
  private VectorIndexes() {}

  /**
   * The vector index a call with vectorIndex: true asks for. `named`: the name came from
   * vectorIndexName rather than the default.
   */
  record Wanted(String name, boolean named, String label, String property, int dimensions,
      String similarity) {
    String schema() { return ":" + label + "(" + property + ")"; }
  }

  /** An index as SHOW INDEXES describes it. */
  private record Existing(String name, String type, String entityType, List<?> labels,
      List<?> properties, Integer dimensions, String similarity) {
    String label() {
      return labels != null && labels.size() == 1 ? String.valueOf(labels.get(0)) : null;
    }

    boolean isNodeVectorIndexOn(String property) {
      return type.equals("VECTOR") && "NODE".equals(entityType) && label() != null
          && List.of(property).equals(properties);
    }
  }

  /** What the call asks for on `label`: its name, dimensions and similarity function. */
  static Wanted wanted(ProcedureConfig config, String label, int dimensions) {
    Optional<String> name = config.vectorIndexName();
    return new Wanted(name.orElse(label + "_" + config.writeProperty() + "_n2v"),
        name.isPresent(), label, config.writeProperty(), dimensions,
        config.vectorSimilarity().toUpperCase(Locale.ROOT));
  }

  /** The label to index: vectorIndexLabel, or the single selected label. */
  static String label(ProcedureConfig config) {
    Optional<String> explicit = config.vectorIndexLabel();
    if (explicit.isPresent()) return explicit.get();
    List<String> labels = config.nodeLabels();
    if (labels.size() != 1 || labels.get(0).equals("*")) {
      throw new IllegalArgumentException("vectorIndex needs one label to index: select a single "
          + "label with nodeLabels, or set vectorIndexLabel");
    }
    return labels.get(0);
  }

  // ------------------------------------------------------------ before the run

  /**
   * Checks the existing indexes against the call (see the file comment); `labels` are the
   * selected labels (null: any), `wanted` null without vectorIndex. Returns the name of the
   * index to use when it exists already; empty when `wanted` is to be created (or is null).
   */
  static Optional<String> check(GraphDatabaseService db, Set<String> labels, Wanted wanted,
      String property, int dimensions) {
    List<Existing> existing;
    try {
      existing = read(db);
    } catch (AuthorizationViolationException e) {
      // A user who may not list indexes (Enterprise roles) can still write vectors
      // without an index: only vectorIndex needs to see them.
      if (wanted != null) throw e;
      return Optional.empty();
    }
    for (Existing index : existing) {
      if (!index.isNodeVectorIndexOn(property)) continue;
      boolean wantedLabel = wanted != null && index.label().equals(wanted.label());
      if (!wantedLabel && labels != null && !labels.contains(index.label())) continue;
      if (index.dimensions() != null && index.dimensions() != dimensions) {
        throw new IllegalArgumentException("Vector index '" + index.name() + "' on :"
            + index.label() + "(" + property + ") has " + index.dimensions() + " dimensions but "
            + "embeddingDimension is " + dimensions + ". Drop the index or use embeddingDimension "
            + index.dimensions() + ".");
      }
    }
    return wanted == null ? Optional.empty() : match(existing, wanted);
  }

  private static Optional<String> match(List<Existing> existing, Wanted wanted) {
    for (Existing other : existing) {
      if (other.name().equals(wanted.name())) return Optional.of(sameDefinition(other, wanted));
    }
    for (Existing other : existing) {
      if (!other.isNodeVectorIndexOn(wanted.property())
          || !other.label().equals(wanted.label())) {
        continue;
      }
      if (wanted.named()) {
        throw new IllegalArgumentException("Vector index '" + other.name() + "' already indexes "
            + wanted.schema() + ", so Neo4j cannot create '" + wanted.name() + "' there. Set "
            + "vectorIndexName: '" + other.name() + "' to use it, or drop it.");
      }
      return Optional.of(sameDefinition(other, wanted));
    }
    return Optional.empty();
  }

  /** `index`'s name when it is the index `wanted` describes; else throws naming each difference. */
  private static String sameDefinition(Existing index, Wanted wanted) {
    List<String> differences = new ArrayList<>();
    if (!index.type().equals("VECTOR")) {
      differences.add("it is a " + index.type() + " index, not a VECTOR index");
    } else {
      if (!"NODE".equals(index.entityType())) {
        differences.add("it indexes relationships, not nodes");
      } else if (!wanted.label().equals(index.label())) {
        differences.add("label " + String.join(", ", index.labels().stream()
            .map(l -> ":" + l).toList()) + ", not :" + wanted.label());
      }
      if (!List.of(wanted.property()).equals(index.properties())) {
        differences.add("property " + String.join(", ", index.properties().stream()
            .map(String::valueOf).toList()) + ", not " + wanted.property());
      }
      if (index.dimensions() != null && index.dimensions() != wanted.dimensions()) {
        differences.add(index.dimensions() + " dimensions, not " + wanted.dimensions());
      }
      if (index.similarity() != null && !index.similarity().equals(wanted.similarity())) {
        differences.add("similarity " + index.similarity() + ", not " + wanted.similarity()
            + " (vectorSimilarity)");
      }
    }
    if (differences.isEmpty()) return index.name();
    throw new IllegalArgumentException("vectorIndex needs a VECTOR index '" + wanted.name()
        + "' on " + wanted.schema() + " with " + wanted.dimensions() + " dimensions and "
        + wanted.similarity() + " similarity, but '" + index.name() + "' exists with another "
        + "definition: " + String.join("; ", differences) + ". Drop it, or choose another "
        + "vectorIndexName.");
  }

  private static List<Existing> read(GraphDatabaseService db) {
    List<Existing> out = new ArrayList<>();
    try (Transaction t = db.beginTx();
        Result r = t.execute("SHOW INDEXES YIELD name, type, entityType, labelsOrTypes, "
            + "properties, options RETURN *")) {
      r.forEachRemaining(row -> out.add(existing(row)));
    }
    return out;
  }

  private static Existing existing(Map<String, Object> row) {
    Object options = row.get("options");
    Object config = options instanceof Map<?, ?> m ? m.get("indexConfig") : null;
    Map<?, ?> vector = config instanceof Map<?, ?> c ? c : Map.of();
    Object dims = vector.get("vector.dimensions");
    Object similarity = vector.get("vector.similarity_function");
    return new Existing((String) row.get("name"), (String) row.get("type"),
        (String) row.get("entityType"), (List<?>) row.get("labelsOrTypes"),
        (List<?>) row.get("properties"), dims instanceof Number n ? n.intValue() : null,
        similarity == null ? null : similarity.toString().toUpperCase(Locale.ROOT));
  }

  // ------------------------------------------------------------ after the write

  /** How long n2v.write waits for its index: dbms.n2v.vector_index_wait. */
  static Duration waitLimit(GraphDatabaseService db) {
    return ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(Config.class)
        .get(N2vSettings.VECTOR_INDEX_WAIT);
  }

  /**
   * Creates `wanted` unless `existing` names the index to use, then waits up to `wait` for it
   * to come online. Returns what it did ("created vector index 'x'"). When the index fails or
   * is not online in time, throws a message that starts with `written` (what is committed).
   */
  static String ensure(GraphDatabaseService db, Wanted wanted, Optional<String> existing,
      Duration wait, String written) {
    String name = existing.orElse(wanted.name());
    String did = existing.isPresent() ? "used the existing vector index '" + name + "'"
        : "created vector index '" + name + "'";
    try {
      if (existing.isEmpty()) create(db, wanted);
    } catch (RuntimeException e) {
      throw ProcedureErrors.failure("n2v.write " + written + " but could not create vector index '"
          + name + "': " + e.getMessage() + ". The vectors are committed; create the index "
          + "yourself, or re-run n2v.write.", e);
    }
    try (Transaction t = db.beginTx()) {
      t.schema().awaitIndexOnline(name, wait.toMillis(), TimeUnit.MILLISECONDS);
      t.commit();
    } catch (RuntimeException e) {
      throw ProcedureErrors.failure("n2v.write " + written + " and " + did + ", which "
          + notOnline(db, name, wait, e) + ".", e);
    }
    return did;
  }

  private static void create(GraphDatabaseService db, Wanted wanted) {
    String cypher = "CREATE VECTOR INDEX " + quote(wanted.name()) + " IF NOT EXISTS FOR (n:"
        + quote(wanted.label()) + ") ON (n." + quote(wanted.property()) + ") OPTIONS "
        + "{indexConfig: {`vector.dimensions`: " + wanted.dimensions()
        + ", `vector.similarity_function`: '" + wanted.similarity().toLowerCase(Locale.ROOT)
        + "'}}";
    try (Transaction t = db.beginTx()) {
      t.execute(cypher).close();
      t.commit();
    }
  }

  /** Why `name` is not online: "was still POPULATING after 300 s: ...", or FAILED. */
  private static String notOnline(GraphDatabaseService db, String name, Duration wait,
      RuntimeException waitError) {
    String state = "gone";
    try (Transaction t = db.beginTx();
        Result r = t.execute("SHOW INDEXES YIELD name, state WHERE name = $name RETURN state",
            Map.of("name", name))) {
      if (r.hasNext()) state = (String) r.next().get("state");
    }
    if (state.equals("FAILED")) {
      return "FAILED to populate (" + waitError.getMessage() + "): the vectors are committed; "
          + "drop the index and create it again (or re-run n2v.write with vectorIndex: true)";
    }
    if (state.equals("gone")) {
      return "no longer exists: the vectors are committed; re-run n2v.write to create it";
    }
    return "was still " + state + " after " + seconds(wait) + " (dbms.n2v.vector_index_wait): "
        + "the vectors are committed, and the index comes online by itself (CALL "
        + "db.awaitIndex('" + name.replace("'", "\\'") + "') waits for it)";
  }

  private static String seconds(Duration wait) {
    long millis = wait.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
