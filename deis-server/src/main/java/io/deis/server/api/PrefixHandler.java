package io.deis.server.api;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** Sends requests under one path to another handler, the rest to the API: how a benchmark puts a bare handler beside it. */
final class PrefixHandler extends Handler.Wrapper {
  private final String prefix;
  private final Handler other;

  PrefixHandler(String prefix, Handler other, Handler api) {
    super(api);
    this.prefix = prefix;
    this.other = other;
    addBean(other);
  }

  @Override
  public void setServer(org.eclipse.jetty.server.Server server) {
    super.setServer(server);
    other.setServer(server);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    if (Request.getPathInContext(request).startsWith(prefix)) {
      return other.handle(request, response, callback);
    }
    return super.handle(request, response, callback);
  }
}
