package io.deis.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads its requests one at a time, routes each by its Host header and
 * streams it to an upstream connection of the same event loop, and streams the response back.
 * Bodies pass through piece by piece as Netty decodes them; neither side is ever buffered whole,
 * and a side that cannot keep up stops the other from reading (backpressure by writability).
 *
 * <p>Everything here runs on the connection's event loop, which its upstream connections share:
 * no locks, and nothing blocks.
 */
final class ClientConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ClientConnection.class);
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  /** Pipelined messages held while a request is under way, before reading stops. */
  private static final int MAX_WAITING = 64;
  /** Body bytes held while an upstream connection is being made, before reading stops. */
  private static final long MAX_PENDING_BYTES = 64 * 1024;

  private final Proxy proxy;
  private final Options options;
  private final boolean tls;
  private ChannelHandlerContext ctx;
  private Channel client;
  private int loop;
  /** Both made once per connection, as AsciiStrings: the header encoder copies their bytes as they are. */
  private AsciiString clientIp = AsciiString.cached("-");
  private AsciiString localPort = AsciiString.cached("-");

  private Exchange ex;
  private ArrayDeque<Object> waiting;
  private boolean upgraded;
  private boolean closing;
  /** Inside a read of the client's: its read-complete flushes whatever was written upstream meanwhile. */
  private boolean reading;
  private final ConnectionTimer timer;

  ClientConnection(Proxy proxy, boolean tls) {
    this.proxy = proxy;
    this.options = proxy.options;
    this.tls = tls;
    this.timer = new ConnectionTimer(this, proxy.options);
  }

  // ---------------------------------------------------------------- the client side

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.client = ctx.channel();
    this.loop = proxy.loopIndex(client.eventLoop());
    SocketAddress remote = client.remoteAddress();
    if (remote instanceof InetSocketAddress r && r.getAddress() != null) {
      clientIp = new AsciiString(r.getAddress().getHostAddress());
    }
    if (client.localAddress() instanceof InetSocketAddress l) {
      localPort = new AsciiString(Integer.toString(l.getPort()));
    }
    timer.start(client.eventLoop());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      ReferenceCountUtil.release(msg);
      return;
    }
    timer.touch();
    reading = true;
    handle(msg);
  }

  private void handle(Object msg) {
    if (upgraded) {
      relay(msg);
    } else if (ex == null) {
      if (msg instanceof HttpRequest request) {
        begin(request);
      } else {
        ReferenceCountUtil.release(msg); // the tail of a body the router already answered and forgot
      }
    } else if (!ex.requestDone && msg instanceof HttpContent content) {
      requestContent(content);
    } else {
      // Pipelining: the next request came before this one's response ended. It waits its turn.
      if (waiting == null) {
        waiting = new ArrayDeque<>();
      }
      waiting.add(msg);
      updateReads();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    reading = false;
    Exchange e = ex;
    if (e != null && e.conn != null) {
      e.conn.channel().flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    Exchange e = ex;
    if (e != null && e.conn != null) {
      setAutoRead(e.conn.channel(), client.isWritable());
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    timer.cancel();
    Exchange e = ex;
    ex = null;
    if (e != null) {
      e.dropConnection();
      e.releasePending();
      e.releaseUpstream();
      if (!e.responseDone && !upgraded) {
        e.status = 499; // nginx's word for a client that left before its answer
      }
      proxy.accessLog.log(clientIp, e);
    }
    if (waiting != null) {
      waiting.forEach(ReferenceCountUtil::release);
      waiting = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof java.io.IOException) {
      log.debug("client connection from {} failed: {}", clientIp, cause.toString()); // resets and the like: the client's doing
    } else {
      log.warn("client connection from {} failed", clientIp, cause);
    }
    ctx.close();
  }

  /** A request head: check it, route it, and send it on (or answer it here). */
  private void begin(HttpRequest request) {
    Exchange e = new Exchange(request, System.nanoTime());
    ex = e;
    if (request.decoderResult().isFailure()) {
      ReferenceCountUtil.release(request);
      e.requestId = Headers.newId();
      Responses.Problem problem = Responses.malformed(request.decoderResult().cause(), options);
      respond(problem.status(), problem.line(), true);
      return;
    }
    e.keepAlive = Headers.isKeepAlive(request);
    e.requestId = Headers.requestId(request.headers());
    if (e.method == HttpMethod.CONNECT) {
      // A tunnel, not a request for an app (nginx refuses it too); Netty's client codec would stop parsing after it.
      respond(HttpResponseStatus.METHOD_NOT_ALLOWED, "the router does not tunnel: CONNECT is not allowed", true);
      return;
    }
    long length = HttpUtil.getContentLength(request, -1L);
    e.hasBody = length > 0 || Headers.isChunked(request);
    e.head = e.method == HttpMethod.HEAD;
    e.idempotent = e.head || e.method == HttpMethod.GET || e.method == HttpMethod.PUT || e.method == HttpMethod.DELETE
        || e.method == HttpMethod.OPTIONS || e.method == HttpMethod.TRACE;
    int found = Headers.scan(request.headers());
    String host = request.headers().get(HttpHeaderNames.HOST);
    if (host == null || host.isEmpty()) {
      respond(HttpResponseStatus.BAD_REQUEST, "the request has no Host header: it names the app", true);
      return;
    }
    if ((found & Headers.HOST_TWICE) != 0) {
      respond(HttpResponseStatus.BAD_REQUEST, "the request has more than one Host header", true);
      return;
    }
    e.host = host;
    AppRoute route = proxy.routes.lookup(host);
    if (route == null) {
      respond(HttpResponseStatus.NOT_FOUND, "no app at host " + Responses.quote(host), false);
      return;
    }
    e.route = route;
    if (length > options.maxRequestBodyBytes()) {
      respond(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
          "request bodies are limited to " + options.maxRequestBodyBytes() + " bytes", true);
      return;
    }
    if (!tls && route.redirectToHttps() && options.https()) {
      redirectToHttps(host);
      return;
    }
    e.upgrade = Headers.isWebSocketUpgrade(request);
    Headers.forUpstream(request, found, e.upgrade, clientIp, tls ? HTTPS : HTTP, localPort, e.requestId);
    dispatch(e, route.acquire(options.balancing(), null));
  }

  private void redirectToHttps(String host) {
    Exchange e = ex;
    String location = Responses.httpsLocation(Routes.normalize(host), proxy.httpsPort(), e.uri);
    e.local = true;
    e.responseStarted = true;
    e.responseDone = true;
    e.status = e.head || e.method == HttpMethod.GET ? 301 : 308;
    boolean close = !e.keepAlive || e.hasBody;
    client.writeAndFlush(Responses.redirect(client.alloc(), e.version, e.status == 301, location, close, e.requestId),
        client.voidPromise());
    afterLocalResponse(close);
  }

  /** A piece of the request body (the last one ends the request). */
  private void requestContent(HttpContent content) {
    Exchange e = ex;
    if (content.decoderResult().isFailure()) {
      content.release();
      if (e.responseStarted) {
        abort();
      } else {
        respond(HttpResponseStatus.BAD_REQUEST, "malformed request body", true);
      }
      return;
    }
    boolean last = content instanceof LastHttpContent;
    if (last) {
      e.requestDone = true;
    }
    int n = content.content().readableBytes();
    e.requestBytes += n;
    if (e.requestBytes > options.maxRequestBodyBytes()) {
      content.release();
      if (e.responseStarted) {
        abort();
      } else {
        respond(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
            "request bodies are limited to " + options.maxRequestBodyBytes() + " bytes", true);
      }
      return;
    }
    if (e.local) {
      content.release();
      if (last) {
        finish();
      }
    } else if (e.conn != null) {
      Channel up = e.conn.channel();
      up.write(content, up.voidPromise());
      if (!up.isWritable()) {
        updateReads();
      }
      if (last && e.responseDone) {
        finish();
      }
    } else {
      if (e.pending == null) {
        e.pending = new ArrayDeque<>(4);
      }
      e.pending.add(content);
      e.pendingBytes += n;
      updateReads();
    }
  }

  // ---------------------------------------------------------------- reaching the upstream

  /** Sends the exchange to {@code u} (already counted), on a pooled connection or a new one. */
  private void dispatch(Exchange e, Upstream u) {
    if (u == null) {
      respond(HttpResponseStatus.SERVICE_UNAVAILABLE, "app '" + e.route.app + "' has no container up", false);
      return;
    }
    e.upstream = u;
    e.servedBy = u.endpoint;
    UpstreamConnection pooled = e.upgrade ? null : u.pollIdle(loop);
    if (pooled != null) {
      attach(e, pooled, true);
    } else {
      connect(e, u);
    }
  }

  private void connect(Exchange e, Upstream u) {
    e.connecting = true;
    UpstreamConnection conn = new UpstreamConnection(u, loop);
    proxy.connect(conn, client.eventLoop()).addListener((ChannelFutureListener) f -> connected(e, conn, f));
    updateReads();
  }

  private void connected(Exchange e, UpstreamConnection conn, ChannelFuture f) {
    if (e != ex || closing) {
      // The client left (or the router answered) while the connection was being made.
      if (f.isSuccess() && !e.upgrade && conn.upstream.offerIdle(loop, conn, options.maxIdleConnectionsPerUpstream())) {
        return;
      }
      f.channel().close();
      return;
    }
    e.connecting = false;
    if (f.isSuccess()) {
      attach(e, conn, false);
      updateReads();
      return;
    }
    Upstream failed = e.upstream;
    e.releaseUpstream();
    log.warn("{}: cannot connect to {}: {}", failed.app, failed.endpoint, f.cause() == null ? "?" : f.cause().getMessage());
    if (e.idempotent && !e.retried) {
      e.retried = true;
      dispatch(e, e.route.acquire(options.balancing(), failed));
    } else {
      respond(HttpResponseStatus.BAD_GATEWAY, "app '" + e.route.app + "' did not answer", false);
    }
  }

  private void attach(Exchange e, UpstreamConnection conn, boolean reused) {
    e.conn = conn;
    e.reused = reused;
    conn.owner = this;
    Channel up = conn.channel();
    setAutoRead(up, client.isWritable());
    up.write(e.request, up.voidPromise());
    if (e.pending != null) {
      HttpContent c;
      while ((c = e.pending.poll()) != null) {
        up.write(c, up.voidPromise());
      }
      e.pendingBytes = 0;
    }
    if (!reading) {
      up.flush(); // otherwise the client's read-complete flushes it, with the body that follows
    }
  }

  // ---------------------------------------------------------------- the upstream side

  void upstreamRead(UpstreamConnection conn, Object msg) {
    Exchange e = ex;
    if (e == null || conn != e.conn) {
      ReferenceCountUtil.release(msg);
      conn.channel().close();
      return;
    }
    timer.touch();
    if (upgraded) {
      client.write(msg, client.voidPromise());
      backpressure(conn);
      return;
    }
    if (msg instanceof HttpResponse response) {
      if (response.decoderResult().isFailure()) {
        ReferenceCountUtil.release(msg);
        log.warn("{}: invalid response from {}: {}", e.route.app, conn.upstream.endpoint, response.decoderResult().cause().toString());
        upstreamFailed("app '" + e.route.app + "' sent an invalid response");
        return;
      }
      int status = response.status().code();
      if (status == 101 && !e.upgrade) {
        ReferenceCountUtil.release(msg);
        upstreamFailed("app '" + e.route.app + "' switched protocols on a request that asked for no upgrade");
        return;
      }
      if (status < 200) {
        e.informational = true;
        e.switching = status == 101 && e.upgrade;
        if (e.switching) {
          e.status = 101;
          e.responseStarted = true;
        }
        Headers.forClient(response, e.version, e.keepAlive, e.head, e.requestId);
      } else {
        e.responseStarted = true;
        e.status = status;
        e.upstreamKeepAlive = Headers.isKeepAlive(response);
        e.keepAlive = Headers.forClient(response, e.version, e.keepAlive, e.head, e.requestId);
      }
      client.write(response, client.voidPromise());
    }
    if (!(msg instanceof HttpObject)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpContent content) {
      if (content.decoderResult().isFailure()) {
        content.release();
        upstreamFailed("app '" + e.route.app + "' sent an invalid response body");
        return;
      }
      boolean last = content instanceof LastHttpContent;
      if (e.informational) {
        client.write(content, client.voidPromise());
        if (last) {
          e.informational = false;
          if (e.switching) {
            switchToRelay(e);
          }
        }
        return;
      }
      e.responseBytes += content.content().readableBytes();
      client.write(content, client.voidPromise());
      backpressure(conn);
      if (last) {
        e.responseDone = true;
        if (e.requestDone) {
          finish();
        } else {
          // The app answered before the body ended. Its connection is mid-request, so it goes; the rest of the
          // body (bounded by maxRequestBodyBytes) is read and dropped, and the client's connection stays usable:
          // closing it now would race a client that already reuses it.
          e.dropConnection();
          e.releaseUpstream();
          e.local = true;
          client.flush();
          // Reading from the client may be off because that connection was unwritable, and with the connection gone
          // no writability change will ever turn it back on: without this the rest of the body is never read and
          // dropped, and the client hangs until the idle timeout.
          updateReads();
        }
      }
    }
  }

  void upstreamReadComplete() {
    client.flush();
  }

  void upstreamWritabilityChanged(UpstreamConnection conn) {
    updateReads();
  }

  /** The upstream connection of the current exchange closed. */
  void upstreamClosed(UpstreamConnection conn) {
    Exchange e = ex;
    if (e == null || conn != e.conn) {
      return;
    }
    e.conn = null;
    if (upgraded) {
      client.close();
      return;
    }
    if (!e.responseStarted && e.reused && e.idempotent && !e.hasBody && !e.retried) {
      // A pooled connection the upstream had closed before it read the request: send it again, once, on a new one.
      e.retried = true;
      e.reused = false;
      if (e.requestDone) {
        e.pending = new ArrayDeque<>(1);
        e.pending.add(LastHttpContent.EMPTY_LAST_CONTENT);
      }
      connect(e, e.upstream);
      return;
    }
    upstreamFailed("app '" + e.route.app + "' closed the connection before it answered");
  }

  private void upstreamFailed(String why) {
    Exchange e = ex;
    if (e.responseStarted) {
      abort();
    } else {
      respond(HttpResponseStatus.BAD_GATEWAY, why, false);
    }
  }

  private void backpressure(UpstreamConnection conn) {
    if (!client.isWritable()) {
      setAutoRead(conn.channel(), false);
    }
  }

  /** The 101 and its end are written: from now on both connections carry bytes, not HTTP. */
  private void switchToRelay(Exchange e) {
    upgraded = true;
    client.flush();
    client.pipeline().remove(HttpServerCodec.class);
    e.conn.channel().pipeline().remove(HttpClientCodec.class);
  }

  private void relay(Object msg) {
    Exchange e = ex;
    if (e == null || e.conn == null || !(msg instanceof ByteBuf)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    Channel up = e.conn.channel();
    up.write(msg, up.voidPromise());
    if (!up.isWritable()) {
      setAutoRead(client, false);
    }
  }

  // ---------------------------------------------------------------- ending an exchange

  /** The response has ended (and the request, unless the upstream answered early): recycle, log, go on. */
  private void finish() {
    Exchange e = ex;
    ex = null;
    UpstreamConnection conn = e.conn;
    if (conn != null) {
      e.conn = null;
      conn.owner = null;
      boolean reusable = e.requestDone && e.upstreamKeepAlive && !e.upgrade && conn.channel().isActive();
      if (reusable && conn.upstream.offerIdle(loop, conn, options.maxIdleConnectionsPerUpstream())) {
        setAutoRead(conn.channel(), true);
      } else {
        conn.channel().close();
      }
    }
    e.releaseUpstream();
    proxy.accessLog.log(clientIp, e);
    if (!e.keepAlive || !e.requestDone) {
      closeAfterFlush();
      return;
    }
    // The upstream connection no longer reports to this one, so its read-complete will not flush.
    client.flush();
    // Pipelined messages: the next request, and its body, as far as that request takes them.
    while (waiting != null && !waiting.isEmpty() && !closing && (ex == null || !ex.requestDone)) {
      handle(waiting.poll());
    }
    Exchange next = ex;
    if (!reading && next != null && next.conn != null) {
      next.conn.channel().flush();
    }
    updateReads();
  }

  /**
   * Answers the current request here with one line of text. The upstream connection, if any, is
   * dropped (it is mid-request); the client connection stays open when that is safe.
   */
  private void respond(HttpResponseStatus status, String line, boolean close) {
    Exchange e = ex;
    if (e.responseStarted) {
      abort();
      return;
    }
    e.dropConnection();
    e.releasePending();
    e.releaseUpstream();
    e.local = true;
    e.responseStarted = true;
    e.responseDone = true;
    e.status = status.code();
    boolean mustClose = close || !e.keepAlive || e.hasBody && !e.requestDone;
    client.writeAndFlush(Responses.text(client.alloc(), e.version, status, line, mustClose, e.requestId), client.voidPromise());
    afterLocalResponse(mustClose);
  }

  private void afterLocalResponse(boolean close) {
    Exchange e = ex;
    if (close) {
      e.releaseUpstream();
      proxy.accessLog.log(clientIp, e);
      ex = null;
      closeAfterFlush();
    } else if (e.requestDone) {
      finish();
    }
    // else: the end of the (empty) request is still to come, and finishes the exchange.
  }

  /** Something broke after the response started: the client can only learn it from the connection closing. */
  private void abort() {
    client.close();
  }

  private void closeAfterFlush() {
    closing = true;
    client.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  // ---------------------------------------------------------------- flow control and timeouts (see ConnectionTimer)

  /** Reads from the client while there is somewhere to put what arrives. */
  private void updateReads() {
    Exchange e = ex;
    boolean read = !closing && (waiting == null || waiting.size() < MAX_WAITING);
    if (read && e != null) {
      if (e.connecting) {
        read = e.pendingBytes < MAX_PENDING_BYTES;
      } else if (e.conn != null) {
        read = e.conn.channel().isWritable();
      }
    }
    setAutoRead(client, read);
  }

  private static void setAutoRead(Channel channel, boolean on) {
    if (channel.config().isAutoRead() != on) {
      channel.config().setAutoRead(on);
    }
  }

  Exchange current() {
    return ex;
  }

  boolean isUpgraded() {
    return upgraded;
  }

  boolean isOpen() {
    return client.isActive();
  }

  /** The connection idled ({@code idle}) or the request ran out of time: answer 408 or 504 when it still can, else close. */
  void timedOut(Exchange e, boolean idle) {
    long limitMillis = idle ? options.idleTimeoutMillis() : options.requestTimeoutMillis();
    if (e == null || upgraded || e.responseStarted) {
      client.close();
      return;
    }
    String app = e.route == null ? "the app" : "app '" + e.route.app + "'";
    if (!e.requestDone) {
      // The client itself stalled, mid-body: nobody to wait for but the client.
      respond(HttpResponseStatus.REQUEST_TIMEOUT, "the request was not complete within " + limitMillis + " ms", true);
    } else {
      log.warn("{}: {} ms {} timeout for {} {} on {}", e.route.app, limitMillis, idle ? "idle" : "request", e.method,
          Responses.quote(e.uri), e.upstream == null ? "-" : e.upstream.endpoint);
      respond(HttpResponseStatus.GATEWAY_TIMEOUT, app + " did not answer within " + limitMillis + " ms", true);
    }
  }
}
