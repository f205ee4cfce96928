// Failures that add context to another one. Neo4j reports only the root cause
// of a procedure's exception ("Failed to invoke procedure `n2v.write`: Caused
// by: <root cause>"), so an exception that explains more than its cause must
// not chain it: the cause is attached as suppressed, which keeps it in the
// log but leaves this message as the one the user reads.
package org.n2v.neo4j;

final class ProcedureErrors {
  private ProcedureErrors() {}

  static RuntimeException failure(String message, Throwable cause) {
    return suppress(new RuntimeException(message), cause);
  }

  static IllegalArgumentException badInput(String message, Throwable cause) {
    return suppress(new IllegalArgumentException(message), cause);
  }

  private static <E extends RuntimeException> E suppress(E error, Throwable cause) {
    if (cause != null) error.addSuppressed(cause);
    return error;
  }
}
