package io.deis.router;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SniHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of a router: its event loops, its listening sockets (HTTP, and HTTPS with SNI
 * when asked for) and the making of upstream connections. One event loop serves a client
 * connection and every upstream connection made for it, so a request never changes threads.
 */
final class Proxy {
  private static final Logger log = LoggerFactory.getLogger(Proxy.class);
  /** Upstream bodies arrive in pieces of up to this size: large enough for few pieces, small enough to stream. */
  private static final int MAX_CHUNK = 64 * 1024;
  private static final long HANDSHAKE_TIMEOUT_MILLIS = 10_000;

  final Options options;
  final Routes routes;
  final Certificates certificates;
  final AccessLog accessLog;
  private final boolean epoll;
  private final EventLoopGroup group;
  private final EventLoop[] loops;
  private final AtomicInteger connections = new AtomicInteger();
  private final HttpDecoderConfig requestDecoding;
  private final HttpDecoderConfig responseDecoding;
  private Channel http;
  private Channel https;

  Proxy(Options options, Certificates certificates) {
    this.options = options;
    this.certificates = certificates;
    this.accessLog = new AccessLog(options.accessLog());
    this.epoll = options.nativeTransport() && Epoll.isAvailable();
    IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("deis-router", true), io);
    List<EventLoop> all = new ArrayList<>();
    for (EventExecutor e : group) {
      all.add((EventLoop) e);
    }
    this.loops = all.toArray(new EventLoop[0]);
    this.routes = new Routes(options.platformDomain(), loops.length, options.drainWindowMillis(), certificates, this::closeIdle);
    this.requestDecoding = new HttpDecoderConfig().setMaxInitialLineLength(options.maxInitialLineLength())
        .setMaxHeaderSize(options.maxHeaderSize()).setMaxChunkSize(MAX_CHUNK);
    // Requests are parsed strictly (a lone LF is refused: no request smuggling through the router); the apps'
    // own responses leniently, as nginx does, since plenty of servers and CGI scripts end lines with LF alone.
    this.responseDecoding = new HttpDecoderConfig().setMaxInitialLineLength(options.maxInitialLineLength())
        .setMaxHeaderSize(options.maxHeaderSize()).setMaxChunkSize(MAX_CHUNK).setStrictLineParsing(false);
  }

  void start() {
    http = bind(options.port(), false);
    if (options.https()) {
      https = bind(options.httpsPort(), true);
    }
    log.info("router listening on {}:{}{} for *.{} ({} event loop{}, {})", options.host(), port(),
        https == null ? "" : " and https on " + httpsPort(), options.platformDomain(), loops.length,
        loops.length == 1 ? "" : "s", epoll ? "epoll" : "nio");
  }

  private Channel bind(int port, boolean tls) {
    ServerBootstrap server = new ServerBootstrap()
        .group(group)
        .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (connections.incrementAndGet() > options.maxConnections()) {
              connections.decrementAndGet();
              log.warn("refusing a connection from {}: {} connections are open, the limit (maxConnections)",
                  ch.remoteAddress(), options.maxConnections());
              ch.close();
              return;
            }
            ch.closeFuture().addListener(f -> connections.decrementAndGet());
            if (tls) {
              ch.pipeline().addLast(new SniHandler(certificates, HANDSHAKE_TIMEOUT_MILLIS));
            }
            ch.pipeline().addLast(new HttpServerCodec(requestDecoding), new ClientConnection(Proxy.this, tls));
          }
        });
    ChannelFuture bound = server.bind(options.host(), port).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      Throwable cause = bound.cause();
      throw new UncheckedIOException("cannot start the router on " + options.host() + ":" + port + ": " + cause.getMessage(),
          cause instanceof java.io.IOException io ? io : new java.io.IOException(cause));
    }
    return bound.channel();
  }

  /** A connection to an upstream, on the event loop of the client connection that needs it. */
  ChannelFuture connect(UpstreamConnection conn, EventLoop loop) {
    return new Bootstrap()
        .group(loop)
        .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeoutMillis())
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(new HttpClientCodec(responseDecoding, false, false), conn);
          }
        })
        .connect(conn.upstream.address);
  }

  int loopIndex(EventLoop loop) {
    for (int i = 0; i < loops.length; i++) {
      if (loops[i] == loop) {
        return i;
      }
    }
    throw new IllegalStateException("event loop " + loop + " is not one of the router's");
  }

  /** Closes an upstream's idle connections, each on its own loop. */
  private void closeIdle(Upstream upstream) {
    for (int i = 0; i < loops.length; i++) {
      int loop = i;
      try {
        loops[i].execute(() -> upstream.closeIdle(loop));
      } catch (RejectedExecutionException e) {
        // The router is closing: its connections go with its loops.
      }
    }
  }

  int port() {
    return ((InetSocketAddress) http.localAddress()).getPort();
  }

  int httpsPort() {
    return https == null ? -1 : ((InetSocketAddress) https.localAddress()).getPort();
  }

  boolean started() {
    return http != null;
  }

  int openConnections() {
    return connections.get();
  }

  void close() {
    if (http != null) {
      http.close().awaitUninterruptibly();
    }
    if (https != null) {
      https.close().awaitUninterruptibly();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }
}
