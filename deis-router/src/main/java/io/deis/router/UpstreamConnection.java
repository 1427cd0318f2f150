package io.deis.router;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One connection to an upstream, the last handler of its pipeline. While a request uses it, it
 * hands everything it reads to that request's {@link ClientConnection}; while it waits in its
 * upstream's pool, nothing should arrive, and anything that does closes it.
 */
final class UpstreamConnection extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(UpstreamConnection.class);

  final Upstream upstream;
  final int loop;
  private Channel channel;
  /** The client connection whose request uses this connection; null while idle in the pool. */
  ClientConnection owner;

  UpstreamConnection(Upstream upstream, int loop) {
    this.upstream = upstream;
    this.loop = loop;
  }

  Channel channel() {
    return channel;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ClientConnection o = owner;
    if (o != null) {
      o.upstreamRead(this, msg);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ClientConnection o = owner;
    if (o != null) {
      o.upstreamReadComplete();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    ClientConnection o = owner;
    if (o != null) {
      o.upstreamWritabilityChanged(this);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ClientConnection o = owner;
    if (o != null) {
      owner = null;
      o.upstreamClosed(this);
    } else {
      upstream.forgetIdle(loop, this);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("connection to {} failed: {}", upstream, cause.toString());
    ctx.close();
  }
}
