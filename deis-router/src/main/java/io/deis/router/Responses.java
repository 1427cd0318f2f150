package io.deis.router;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/** The responses the router writes itself: one line of plain text saying what happened, or a redirect. */
final class Responses {
  private static final AsciiString TEXT = AsciiString.cached("text/plain; charset=utf-8");
  private static final AsciiString NOSNIFF = AsciiString.cached("nosniff");
  private static final AsciiString X_CONTENT_TYPE_OPTIONS = AsciiString.cached("x-content-type-options");
  private static final int MAX_QUOTED = 200;

  private Responses() {}

  static FullHttpResponse text(ByteBufAllocator alloc, HttpVersion version, HttpResponseStatus status, String line,
      boolean close, CharSequence requestId) {
    ByteBuf body = alloc.buffer();
    body.writeCharSequence(status.code() + " " + status.reasonPhrase() + ": " + line + "\n", StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, TEXT);
    h.set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    h.set(X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    h.set(Headers.X_REQUEST_ID, requestId);
    connection(h, version, close);
    return r;
  }

  /** What a request the decoder could not read gets. */
  record Problem(HttpResponseStatus status, String line) {}

  static Problem malformed(Throwable cause, Options options) {
    if (cause instanceof TooLongHttpLineException) {
      return new Problem(HttpResponseStatus.REQUEST_URI_TOO_LONG,
          "the request line is longer than " + options.maxInitialLineLength() + " bytes");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new Problem(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "the request headers are larger than " + options.maxHeaderSize() + " bytes");
    }
    return new Problem(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
  }

  /** Where the HTTPS version of a request is: the port is left out when it is 443. */
  static String httpsLocation(String host, int httpsPort, String uri) {
    return "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + uri;
  }

  /** 301 for GET and HEAD, 308 (method and body kept) for the rest. */
  static FullHttpResponse redirect(ByteBufAllocator alloc, HttpVersion version, boolean getOrHead, String location,
      boolean close, CharSequence requestId) {
    HttpResponseStatus status = getOrHead ? HttpResponseStatus.MOVED_PERMANENTLY : HttpResponseStatus.PERMANENT_REDIRECT;
    FullHttpResponse r = text(alloc, version, status, "use " + quote(location), close, requestId);
    r.headers().set(HttpHeaderNames.LOCATION, location);
    return r;
  }

  private static void connection(HttpHeaders h, HttpVersion version, boolean close) {
    if (close) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (version == HttpVersion.HTTP_1_0) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  /** A client's text quoted in a message: printable ASCII only, and not too long. */
  static String quote(String s) {
    return "'" + printable(s) + "'";
  }

  /** Printable ASCII only (anything else becomes '?'), cut at 200 characters. */
  static String printable(String s) {
    StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 3);
    for (int i = 0; i < s.length() && i < MAX_QUOTED; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    if (s.length() > MAX_QUOTED) {
      out.append("...");
    }
    return out.toString();
  }
}
