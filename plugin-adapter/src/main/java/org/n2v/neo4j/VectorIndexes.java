// Neo4j vector indexes on the written property: check existing indexes'
// dimensions before running, create one after writing. Reading and creating
// indexes needs the SCHEMA procedure mode, hence n2v.write's mode.
package org.n2v.neo4j;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.Result;
import org.neo4j.graphdb.Transaction;
import org.neo4j.graphdb.security.AuthorizationViolationException;

final class VectorIndexes {
  private VectorIndexes() {}

  /** The label the index is on: vectorIndexLabel, or the single selected label. */
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

  static String name(ProcedureConfig config, String label) {
    return config.vectorIndexName().orElse(label + "_" + config.writeProperty() + "_n2v");
  }

  /**
   * Checks every vector index on `property` for a label in `labels` (null: any label) or
   * on `indexLabel`: one with another dimension than `dimensions` is an error, since Neo4j
   * would silently leave the written vectors out of it. Returns the name of the index on
   * (indexLabel, property), if there is one.
   */
  static Optional<String> checkExisting(GraphDatabaseService db, Set<String> labels,
      String indexLabel, String property, int dimensions) {
    try {
      return check(db, labels, indexLabel, property, dimensions);
    } catch (AuthorizationViolationException e) {
      // A user who may not list indexes (Enterprise roles) can still write vectors
      // without an index: only vectorIndex needs to see them.
      if (indexLabel != null) throw e;
      return Optional.empty();
    }
  }

  private static Optional<String> check(GraphDatabaseService db, Set<String> labels,
      String indexLabel, String property, int dimensions) {
    Optional<String> existing = Optional.empty();
    try (Transaction t = db.beginTx();
        Result r = t.execute("SHOW INDEXES YIELD name, type, labelsOrTypes, properties, options "
            + "WHERE type = 'VECTOR' RETURN name, labelsOrTypes, properties, options")) {
      while (r.hasNext()) {
        Map<String, Object> row = r.next();
        if (!List.of(property).equals(row.get("properties"))
            || !(row.get("labelsOrTypes") instanceof List<?> on) || on.size() != 1) {
          continue;
        }
        String label = (String) on.get(0);
        boolean isIndexLabel = label.equals(indexLabel);
        if (!isIndexLabel && labels != null && !labels.contains(label)) continue;
        Object config = ((Map<?, ?>) row.get("options")).get("indexConfig");
        Object dims = config instanceof Map<?, ?> m ? m.get("vector.dimensions") : null;
        if (dims instanceof Number n && n.intValue() != dimensions) {
          throw new IllegalArgumentException("Vector index '" + row.get("name") + "' on :" + label
              + "(" + property + ") has " + n.intValue() + " dimensions but embeddingDimension is "
              + dimensions + ". Drop the index or use embeddingDimension " + n.intValue() + ".");
        }
        if (isIndexLabel) existing = Optional.of((String) row.get("name"));
      }
    }
    return existing;
  }

  static void create(GraphDatabaseService db, String name, String label, String property,
      int dimensions, String similarity) {
    String cypher = "CREATE VECTOR INDEX " + quote(name) + " IF NOT EXISTS FOR (n:" + quote(label)
        + ") ON (n." + quote(property) + ") OPTIONS {indexConfig: {`vector.dimensions`: "
        + dimensions + ", `vector.similarity_function`: '" + similarity + "'}}";
    try (Transaction t = db.beginTx()) {
      t.execute(cypher).close();
      t.commit();
    }
    try (Transaction t = db.beginTx()) {
      t.execute("CALL db.awaitIndex($name, 300)", Map.of("name", name)).close();
      t.commit();
    }
  }

  private static String quote(String identifier) {
    return "`" + identifier.replace("`", "``") + "`";
  }
}
