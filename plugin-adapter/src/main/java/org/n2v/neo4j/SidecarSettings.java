// The sidecar connection settings, from neo4j.conf only. No procedure call
// can change where the plugin connects or which token it sends: a call that
// could would let any user point the database, and its token, at a host of
// their choosing.
package org.n2v.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.neo4j.configuration.Config;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

record SidecarSettings(
    String address,
    boolean tls,
    String caFile,
    String certFile,
    String keyFile,
    String token) {

  /** Never prints the token. */
  @Override
  public String toString() {
    return "SidecarSettings[address=" + address + ", tls=" + tls + ", token="
        + (token.isEmpty() ? "none" : "set") + "]";
  }

  static SidecarSettings of(GraphDatabaseService db) {
    Config neo4j = ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(Config.class);
    String token = neo4j.get(N2vSettings.SIDECAR_TOKEN).getString();
    String tokenFile = neo4j.get(N2vSettings.SIDECAR_TOKEN_FILE);
    if (token.isEmpty() && !tokenFile.isEmpty()) {
      token = readToken(tokenFile);
    }
    return new SidecarSettings(
        neo4j.get(N2vSettings.SIDECAR_ADDRESS),
        neo4j.get(N2vSettings.SIDECAR_TLS),
        neo4j.get(N2vSettings.SIDECAR_TLS_CA_FILE),
        neo4j.get(N2vSettings.SIDECAR_TLS_CERT_FILE),
        neo4j.get(N2vSettings.SIDECAR_TLS_KEY_FILE),
        token);
  }

  /**
   * The token of a token file: the first field of the first line that is
   * neither blank nor a '#' comment. The sidecar's own --token-file
   * ("<token> [<name> [trusted]]" a line) therefore works as it is when its
   * first entry is the plugin's.
   */
  private static String readToken(String file) {
    try {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        String text = line.strip();
        if (text.isEmpty() || text.startsWith("#")) continue;
        return text.split("\\s+", 2)[0];
      }
      throw new IllegalArgumentException("dbms.n2v.sidecar.token_file '" + file + "' holds no token");
    } catch (IOException e) {
      throw ProcedureErrors.badInput("dbms.n2v.sidecar.token_file '" + file + "' cannot be read: "
          + e.getClass().getSimpleName(), e);
    }
  }
}
