// A connection to n2v-sidecar for one procedure call: the channel (plain or
// TLS, with an optional bearer token), the caller's identity on every RPC,
// the stubs, and the translation of gRPC failures into procedure errors that
// say what to do. No message it makes holds the token.
package org.n2v.neo4j;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.util.concurrent.TimeUnit;
import org.n2v.grpc.v1.N2vGrpc;

final class SidecarClient implements AutoCloseable {
  private static final int MAX_MESSAGE_BYTES = 64 << 20;

  private final SidecarSettings settings;
  private final ManagedChannel channel;
  final N2vGrpc.N2vBlockingStub blocking;
  final N2vGrpc.N2vStub async;

  SidecarClient(SidecarSettings settings, CallerIdentity caller) {
    this.settings = settings;
    this.channel = buildChannel(settings, caller);
    this.blocking = N2vGrpc.newBlockingStub(channel);
    this.async = N2vGrpc.newStub(channel);
  }

  /** A client for `caller`, connected as neo4j.conf says. */
  static SidecarClient open(org.neo4j.graphdb.GraphDatabaseService db, CallerIdentity caller) {
    return new SidecarClient(SidecarSettings.of(db), caller);
  }

  private static ManagedChannel buildChannel(SidecarSettings s, CallerIdentity caller) {
    String address = s.address();
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("Sidecar address '" + address
          + "' is not host:port (set dbms.n2v.sidecar.address in neo4j.conf)");
    }
    String host = address.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Sidecar address '" + address + "' has no numeric port");
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port)
        .maxInboundMessageSize(MAX_MESSAGE_BYTES);
    if (s.tls()) {
      try {
        SslContextBuilder ssl = GrpcSslContexts.forClient();
        if (!s.caFile().isEmpty()) ssl.trustManager(new File(s.caFile()));
        if (!s.certFile().isEmpty()) ssl.keyManager(new File(s.certFile()), new File(s.keyFile()));
        builder.sslContext(ssl.build()).useTransportSecurity();
      } catch (Exception e) {
        throw ProcedureErrors.badInput("Cannot set up TLS to the sidecar: " + e.getMessage(), e);
      }
    } else {
      builder.usePlaintext();
    }
    builder.intercept(new CallerMetadata(caller));
    if (!s.token().isEmpty()) builder.intercept(new BearerToken(s.token()));
    return builder.build();
  }

  /**
   * Adds the caller to every call: n2v-user, n2v-database and, for admins,
   * n2v-admin (proto/n2v/v1/n2v.proto). The sidecar believes them only from
   * a token marked trusted.
   */
  private static final class CallerMetadata implements ClientInterceptor {
    private static final Metadata.Key<String> USER =
        Metadata.Key.of("n2v-user", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> DATABASE =
        Metadata.Key.of("n2v-database", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ADMIN =
        Metadata.Key.of("n2v-admin", Metadata.ASCII_STRING_MARSHALLER);
    private final CallerIdentity caller;

    CallerMetadata(CallerIdentity caller) { this.caller = caller; }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(USER, MetadataText.encode(caller.user()));
          headers.put(DATABASE, MetadataText.encode(caller.database()));
          if (caller.admin()) headers.put(ADMIN, "true");
          super.start(listener, headers);
        }
      };
    }
  }

  /** Adds "authorization: Bearer <token>" to every call. */
  private static final class BearerToken implements ClientInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION =
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private final String value;

    BearerToken(String token) { this.value = "Bearer " + token; }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(
        MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
      return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
        @Override
        public void start(Listener<R> listener, Metadata headers) {
          headers.put(AUTHORIZATION, value);
          super.start(listener, headers);
        }
      };
    }
  }

  /** Turns a gRPC failure into an exception whose message says what to do. */
  RuntimeException translate(Throwable error, String action) {
    Status status = Status.fromThrowable(error);
    String detail = status.getDescription() != null ? status.getDescription()
        : error instanceof StatusRuntimeException ? "" : String.valueOf(error);
    String message = switch (status.getCode()) {
      case UNAVAILABLE -> "The n2v sidecar at " + settings.address() + " is unreachable while "
          + action + " (" + detail + "). Start n2v-sidecar there, or set dbms.n2v.sidecar.address "
          + "in neo4j.conf to where it runs.";
      case UNAUTHENTICATED -> "The n2v sidecar refused the call while " + action + ": " + detail
          + ". Set dbms.n2v.sidecar.token or dbms.n2v.sidecar.token_file in neo4j.conf to a "
          + "token from its --token-file.";
      case PERMISSION_DENIED -> "The n2v sidecar refused the call while " + action + ": " + detail
          + ". The plugin acts for each Neo4j user, so its token must be marked trusted in the "
          + "sidecar's --token-file ('<token> <name> trusted').";
      case RESOURCE_EXHAUSTED -> "The n2v sidecar refused the work while " + action + ": "
          + detail + ". Select a smaller graph, lower embeddingDimension, or raise the "
          + "sidecar's --memory-budget.";
      case INVALID_ARGUMENT -> "The n2v sidecar rejected the input while " + action + ": "
          + Node2VecKeys.inUserTerms(detail);
      case DEADLINE_EXCEEDED -> "The n2v sidecar did not answer in time while " + action + ".";
      default -> "The n2v sidecar failed while " + action + ": " + status.getCode()
          + (detail.isEmpty() ? "" : ": " + detail);
    };
    return ProcedureErrors.failure(message, error instanceof StatusRuntimeException ? null : error);
  }

  /**
   * The parameters a job would run with (the engine's defaults filled in),
   * as the sidecar resolves them.
   */
  org.n2v.grpc.v1.Node2VecParams resolved(org.n2v.grpc.v1.Node2VecParams params) {
    try {
      return blocking.estimateJob(org.n2v.grpc.v1.EstimateJobRequest.newBuilder()
          .setNodes(1).setParams(params).build()).getParams();
    } catch (StatusRuntimeException e) {
      throw translate(e, "checking the parameters");
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
