// Neo4j configuration settings of the n2v plugin (neo4j.conf), with their
// defaults: where the sidecar is and how to reach it, and how long n2v.write
// waits for its vector index. Neo4j 5 accepts settings only in its own
// namespaces, hence the dbms.n2v prefix. They are the only way to set these:
// no procedure call can change them. The token is a secure string, which
// Neo4j shows as '####' in its logs and in SHOW SETTINGS.
package org.n2v.neo4j;

import static org.neo4j.configuration.SettingImpl.newBuilder;
import static org.neo4j.configuration.SettingConstraints.min;
import static org.neo4j.configuration.SettingValueParsers.BOOL;
import static org.neo4j.configuration.SettingValueParsers.DURATION;
import static org.neo4j.configuration.SettingValueParsers.SECURE_STRING;
import static org.neo4j.configuration.SettingValueParsers.STRING;

import java.time.Duration;

import org.neo4j.annotations.service.ServiceProvider;
import org.neo4j.configuration.Description;
import org.neo4j.configuration.SettingsDeclaration;
import org.neo4j.graphdb.config.Setting;
import org.neo4j.string.SecureString;

@ServiceProvider
public class N2vSettings implements SettingsDeclaration {
  @Description("host:port of n2v-sidecar. Default: loopback, the sidecar's default port.")
  public static final Setting<String> SIDECAR_ADDRESS =
      newBuilder("dbms.n2v.sidecar.address", STRING, "127.0.0.1:50051").build();

  @Description("Connect to the sidecar with TLS.")
  public static final Setting<Boolean> SIDECAR_TLS =
      newBuilder("dbms.n2v.sidecar.tls", BOOL, false).build();

  @Description("PEM file of the CA that signed the sidecar's certificate (TLS). "
      + "Empty: the JVM's default trust store.")
  public static final Setting<String> SIDECAR_TLS_CA_FILE =
      newBuilder("dbms.n2v.sidecar.tls_ca_file", STRING, "").build();

  @Description("PEM client certificate chain for mutual TLS. Empty: none.")
  public static final Setting<String> SIDECAR_TLS_CERT_FILE =
      newBuilder("dbms.n2v.sidecar.tls_cert_file", STRING, "").build();

  @Description("PEM private key (PKCS#8) of dbms.n2v.sidecar.tls_cert_file.")
  public static final Setting<String> SIDECAR_TLS_KEY_FILE =
      newBuilder("dbms.n2v.sidecar.tls_key_file", STRING, "").build();

  @Description("Bearer token sent to the sidecar; its --token-file must mark it trusted. "
      + "Empty: none.")
  public static final Setting<SecureString> SIDECAR_TOKEN =
      newBuilder("dbms.n2v.sidecar.token", SECURE_STRING, new SecureString("")).build();

  @Description("File holding the bearer token: the first field of the first line that is "
      + "neither blank nor a # comment, so the sidecar's token file works as it is. Read on "
      + "every call. Used when dbms.n2v.sidecar.token is empty.")
  public static final Setting<String> SIDECAR_TOKEN_FILE =
      newBuilder("dbms.n2v.sidecar.token_file", STRING, "").build();

  @Description("How long n2v.write waits for the vector index of vectorIndex: true to come "
      + "online. The vectors are committed before the wait; when it ends first, the call fails "
      + "saying so, and the index comes online by itself. At least 1s.")
  public static final Setting<Duration> VECTOR_INDEX_WAIT =
      newBuilder("dbms.n2v.vector_index_wait", DURATION, Duration.ofSeconds(300))
          .addConstraint(min(Duration.ofSeconds(1))).build();
}
