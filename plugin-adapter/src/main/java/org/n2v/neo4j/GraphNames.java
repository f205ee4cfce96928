// Names of named graphs on the sidecar. A graph the user projects is one
// sidecar graph under its own name, unweighted, plus one per relationship
// property a run may weigh by, under "<name>\u001Fweight=<property>": the
// sidecar keeps one weight per graph, and GDS lets every run choose its
// relationshipWeightProperty (or none). Users never see the second kind.
package org.n2v.neo4j;

final class GraphNames {
  /** Separates a graph's name from its weight; refused in names users give. */
  static final char SEPARATOR = '\u001F';
  private static final String WEIGHT = SEPARATOR + "weight=";

  private GraphNames() {}

  /** A name a user gives: not blank, without the separator. */
  static String check(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("graphName must not be blank");
    }
    if (name.indexOf(SEPARATOR) >= 0) {
      throw new IllegalArgumentException("graphName must not contain the character U+001F");
    }
    return name;
  }

  static String weighted(String graphName, String property) {
    return graphName + WEIGHT + property;
  }

  /** Whether a sidecar graph name is a weighted copy rather than a user's graph. */
  static boolean isWeightedCopy(String sidecarName) {
    return sidecarName.indexOf(SEPARATOR) >= 0;
  }
}
