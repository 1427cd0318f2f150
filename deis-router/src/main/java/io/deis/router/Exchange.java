package io.deis.router;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayDeque;

/** One request and its response, as a {@link ClientConnection} carries it. Touched by one event loop only. */
final class Exchange {
  final HttpRequest request;
  final HttpMethod method;
  final HttpVersion version;
  final String uri;
  final long startNanos;
  String host = "-";
  AppRoute route;
  CharSequence requestId = "-";

  boolean keepAlive;
  /** Idempotent (RFC 9110 9.2.2): such a request may be sent again after a connect failure. */
  boolean idempotent;
  /** It declares a body (Content-Length above 0, or chunked). */
  boolean hasBody;
  boolean upgrade;
  boolean head;

  /** The upstream counting this request; released exactly once, by {@link ClientConnection}. */
  Upstream upstream;
  UpstreamConnection conn;
  /** The endpoint the request was last sent to, for the access log. */
  io.deis.model.Endpoint servedBy;
  boolean connecting;
  /** Its connection came from the pool (it may have been closed by the upstream meanwhile). */
  boolean reused;
  boolean retried;
  /** Body pieces that arrived while the upstream connection was being made. */
  ArrayDeque<HttpContent> pending;
  long pendingBytes;

  boolean requestDone;
  boolean responseStarted;
  boolean responseDone;
  /** The router answered it itself (404, 503, 413...): the rest of the request body is thrown away. */
  boolean local;
  /** An interim 1xx response is being passed on; its end is not the exchange's end. */
  boolean informational;
  /** A 101 was passed on and its end will switch the connection to a byte relay. */
  boolean switching;
  boolean upstreamKeepAlive;

  long requestBytes;
  long responseBytes;
  int status;

  Exchange(HttpRequest request, long startNanos) {
    this.request = request;
    this.method = request.method();
    this.version = request.protocolVersion();
    this.uri = request.uri();
    this.startNanos = startNanos;
  }

  /** Closes the upstream connection, which is mid-request and so of no further use, without telling this exchange. */
  void dropConnection() {
    UpstreamConnection c = conn;
    if (c != null) {
      conn = null;
      c.owner = null;
      c.channel().close();
    }
  }

  /** Uncounts this request at its upstream; safe to call more than once. */
  void releaseUpstream() {
    Upstream u = upstream;
    if (u != null) {
      upstream = null;
      u.release();
    }
  }

  void releasePending() {
    if (pending != null) {
      HttpContent c;
      while ((c = pending.poll()) != null) {
        c.release();
      }
    }
  }
}
