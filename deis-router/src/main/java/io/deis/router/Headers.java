package io.deis.router;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The header rules of a reverse proxy: hop-by-hop headers (RFC 9110 section 7.6.1) stay on
 * their own hop, the upstream learns who asked ({@code X-Forwarded-*}), and every request
 * carries an id, kept from the client when it sent a sane one.
 */
final class Headers {
  static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
  static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
  static final AsciiString X_FORWARDED_PORT = AsciiString.cached("x-forwarded-port");
  static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
  private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
  private static final AsciiString WEBSOCKET = AsciiString.cached("websocket");
  private static final int MAX_REQUEST_ID_LENGTH = 128;
  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private Headers() {}

  /** A WebSocket handshake ({@code Connection: upgrade} and {@code Upgrade: websocket}). */
  static boolean isWebSocketUpgrade(HttpRequest request) {
    HttpHeaders h = request.headers();
    // The plain lookup first: Netty's containsValue walks every value of a name through a fresh list.
    return request.method() == HttpMethod.GET && h.contains(HttpHeaderNames.UPGRADE)
        && h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
        && h.containsValue(HttpHeaderNames.UPGRADE, WEBSOCKET, true);
  }

  /** {@link HttpUtil#isKeepAlive}, without its value lists when there is no Connection header (the common case). */
  static boolean isKeepAlive(HttpMessage message) {
    return message.headers().contains(HttpHeaderNames.CONNECTION) ? HttpUtil.isKeepAlive(message)
        : message.protocolVersion().isKeepAliveDefault();
  }

  /** {@link HttpUtil#isTransferEncodingChunked}, without its value lists when there is no Transfer-Encoding header. */
  static boolean isChunked(HttpMessage message) {
    return message.headers().contains(HttpHeaderNames.TRANSFER_ENCODING) && HttpUtil.isTransferEncodingChunked(message);
  }

  /** The client's X-Request-Id when it is 1 to 128 characters of letters, digits and {@code -_.:}; a new one otherwise. */
  static CharSequence requestId(HttpHeaders h) {
    String given = h.get(X_REQUEST_ID);
    return given != null && saneId(given) ? given : newId();
  }

  private static boolean saneId(String id) {
    int n = id.length();
    if (n == 0 || n > MAX_REQUEST_ID_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = id.charAt(i);
      boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
          || c == ':';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * 128 random bits in hex, as an {@link AsciiString}: one byte array, which the encoders copy as
   * it is. Not a secret, so the fast per-thread generator will do.
   */
  static AsciiString newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    byte[] out = new byte[32];
    long bits = random.nextLong();
    for (int i = 0; i < 16; i++, bits >>>= 4) {
      out[i] = HEX[(int) (bits & 0xf)];
    }
    bits = random.nextLong();
    for (int i = 16; i < 32; i++, bits >>>= 4) {
      out[i] = HEX[(int) (bits & 0xf)];
    }
    return new AsciiString(out, false);
  }

  /** Turns the client's request into the upstream's: HTTP/1.1 with keep-alive, hop-by-hop headers gone, forwarding headers set. */
  static void forUpstream(HttpRequest request, boolean upgrade, AsciiString clientIp, AsciiString proto, AsciiString port,
      CharSequence requestId) {
    HttpHeaders h = request.headers();
    stripHopByHop(h);
    if (upgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    } else {
      h.remove(HttpHeaderNames.UPGRADE);
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    String forwarded = h.get(X_FORWARDED_FOR);
    h.set(X_FORWARDED_FOR, forwarded == null ? clientIp : forwarded + ", " + clientIp);
    h.set(X_FORWARDED_PROTO, proto);
    h.set(X_FORWARDED_PORT, port);
    h.set(X_REQUEST_ID, requestId);
  }

  /**
   * Turns the upstream's response into the client's. Returns whether the client connection
   * stays open after it: a response without framing is sent chunked to an HTTP/1.1 client, and
   * ends the connection for an HTTP/1.0 one.
   */
  static boolean forClient(HttpResponse response, HttpVersion clientVersion, boolean keepAlive, boolean headRequest,
      CharSequence requestId) {
    HttpHeaders h = response.headers();
    int status = response.status().code();
    stripHopByHop(h);
    if (status == 101) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      return true;
    }
    if (status != 426) {
      h.remove(HttpHeaderNames.UPGRADE);
    }
    boolean http10 = clientVersion == HttpVersion.HTTP_1_0;
    boolean chunked = isChunked(response);
    boolean bodyless = headRequest || status == 204 || status == 304 || status < 200;
    if (!bodyless && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
      if (http10) {
        if (chunked) {
          h.remove(HttpHeaderNames.TRANSFER_ENCODING); // an HTTP/1.0 client reads to the end of the connection
        }
        keepAlive = false;
      } else if (!chunked) {
        h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
      }
    }
    response.setProtocolVersion(HttpVersion.HTTP_1_1); // the router's own version, as nginx answers 1.0 clients too
    if (!keepAlive) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
    if (!h.contains(X_REQUEST_ID)) {
      h.set(X_REQUEST_ID, requestId);
    }
    return keepAlive;
  }

  /** Removes the headers that belong to one hop: Connection, the ones it names, and the fixed list. */
  private static void stripHopByHop(HttpHeaders h) {
    String connection = h.get(HttpHeaderNames.CONNECTION);
    if (connection != null) {
      int start = 0;
      while (start < connection.length()) { // the names it lists, without String.split's arrays
        int comma = connection.indexOf(',', start);
        int end = comma < 0 ? connection.length() : comma;
        String name = connection.substring(start, end).strip();
        if (!name.isEmpty() && !name.equalsIgnoreCase("close") && !name.equalsIgnoreCase("keep-alive")
            && !name.equalsIgnoreCase("upgrade")) {
          h.remove(name);
        }
        start = end + 1;
      }
      h.remove(HttpHeaderNames.CONNECTION);
    }
    h.remove(HttpHeaderNames.KEEP_ALIVE);
    h.remove(PROXY_CONNECTION);
    h.remove(HttpHeaderNames.TE);
    h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
  }
}
