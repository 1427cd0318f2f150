package io.deis.server.api;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty answers before the API sees a request (a malformed URI, headers too large) get the
 * API's shape too: {@code {"detail": "..."}} with the version headers, never an HTML page.
 */
final class JsonErrorHandler implements Request.Handler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    Object status = request.getAttribute(ErrorHandler.ERROR_STATUS);
    Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
    int code = status instanceof Integer i ? i : response.getStatus();
    String detail = message != null ? message.toString() : "request refused with status " + code;
    String body = ApiHandler.detail(detail).toString();
    response.setStatus(code);
    response.getHeaders().put("DEIS_API_VERSION", ApiServer.API_VERSION);
    response.getHeaders().put("X_DEIS_API_VERSION", ApiServer.API_VERSION);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }
}
