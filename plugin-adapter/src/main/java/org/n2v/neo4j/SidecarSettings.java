// The sidecar connection settings of one procedure call: Neo4j's
// configuration, overridden by the call's config map.
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

  static SidecarSettings resolve(GraphDatabaseService db, ProcedureConfig config) {
    Config neo4j = ((GraphDatabaseAPI) db).getDependencyResolver().resolveDependency(Config.class);
    String address = config.sidecarAddress().orElse(neo4j.get(N2vSettings.SIDECAR_ADDRESS));
    String token = config.sidecarToken().orElse(neo4j.get(N2vSettings.SIDECAR_TOKEN));
    String tokenFile = neo4j.get(N2vSettings.SIDECAR_TOKEN_FILE);
    if (token.isEmpty() && !tokenFile.isEmpty()) {
      token = readToken(tokenFile);
    }
    return new SidecarSettings(
        address,
        neo4j.get(N2vSettings.SIDECAR_TLS),
        neo4j.get(N2vSettings.SIDECAR_TLS_CA_FILE),
        neo4j.get(N2vSettings.SIDECAR_TLS_CERT_FILE),
        neo4j.get(N2vSettings.SIDECAR_TLS_KEY_FILE),
        token);
  }

  private static String readToken(String file) {
    try {
      for (String line : Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          return line.strip();
        }
      }
      throw new IllegalArgumentException("dbms.n2v.sidecar.token_file '" + file + "' holds no token");
    } catch (IOException e) {
      throw ProcedureErrors.badInput("dbms.n2v.sidecar.token_file '" + file + "' cannot be read: "
          + e, e);
    }
  }
}
