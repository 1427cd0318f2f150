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

  // Which of the names the proxy cares about a message carries, found in one pass over its headers
  // (a message has a handful): most are absent, and a lookup per name costs a hash walk each.
  private static final int CONNECTION = 1;
  private static final int KEEP_ALIVE = 1 << 1;
  private static final int PROXY_CONN = 1 << 2;
  private static final int TE = 1 << 3;
  private static final int PROXY_AUTH = 1 << 4;
  private static final int UPGRADE = 1 << 5;
  private static final int CONTENT_LENGTH = 1 << 6;
  private static final int TRANSFER_ENCODING = 1 << 7;
  private static final int REQUEST_ID = 1 << 8;
  private static final int FORWARDED_FOR = 1 << 9;
  private static final int HOST = 1 << 10;
  /** A second Host header: RFC 9112 3.2 says answer 400, and routers that disagree on which one counts get smuggled past. */
  static final int HOST_TWICE = 1 << 11;
  private static final int HOP_BY_HOP = CONNECTION | KEEP_ALIVE | PROXY_CONN | TE | PROXY_AUTH;

  static int scan(HttpHeaders h) {
    int found = 0;
    for (var it = h.iteratorCharSequence(); it.hasNext(); ) {
      CharSequence name = it.next().getKey();
      found |= switch (name.length()) {
        case 2 -> is(name, HttpHeaderNames.TE) ? TE : 0;
        case 4 -> is(name, HttpHeaderNames.HOST) ? (found & HOST) != 0 ? HOST_TWICE : HOST : 0;
        case 7 -> is(name, HttpHeaderNames.UPGRADE) ? UPGRADE : 0;
        case 10 -> is(name, HttpHeaderNames.CONNECTION) ? CONNECTION : is(name, HttpHeaderNames.KEEP_ALIVE) ? KEEP_ALIVE : 0;
        case 12 -> is(name, X_REQUEST_ID) ? REQUEST_ID : 0;
        case 14 -> is(name, HttpHeaderNames.CONTENT_LENGTH) ? CONTENT_LENGTH : 0;
        case 15 -> is(name, X_FORWARDED_FOR) ? FORWARDED_FOR : 0;
        case 16 -> is(name, PROXY_CONNECTION) ? PROXY_CONN : 0;
        case 17 -> is(name, HttpHeaderNames.TRANSFER_ENCODING) ? TRANSFER_ENCODING : 0;
        case 18 -> is(name, HttpHeaderNames.PROXY_AUTHENTICATE) ? PROXY_AUTH : 0;
        default -> 0;
      };
    }
    return found;
  }

  private static boolean is(CharSequence name, AsciiString known) {
    return known.contentEqualsIgnoreCase(name);
  }

  /**
   * Turns the client's request into the upstream's ({@code found} is its {@link #scan}): HTTP/1.1 with keep-alive,
   * hop-by-hop headers gone, forwarding headers set.
   */
  static void forUpstream(HttpRequest request, int found, boolean upgrade, AsciiString clientIp, AsciiString proto,
      AsciiString port, CharSequence requestId) {
    HttpHeaders h = request.headers();
    stripHopByHop(h, found);
    if (upgrade) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
    } else if ((found & UPGRADE) != 0) {
      h.remove(HttpHeaderNames.UPGRADE);
    }
    request.setProtocolVersion(HttpVersion.HTTP_1_1);
    String forwarded = (found & FORWARDED_FOR) != 0 ? h.get(X_FORWARDED_FOR) : null;
    if (forwarded == null) {
      h.add(X_FORWARDED_FOR, clientIp);
    } else {
      h.set(X_FORWARDED_FOR, forwarded + ", " + clientIp);
    }
    // The router's own headers: set over the client's, added outright when the client sent none.
    h.set(X_FORWARDED_PROTO, proto);
    h.set(X_FORWARDED_PORT, port);
    if ((found & REQUEST_ID) != 0) {
      h.set(X_REQUEST_ID, requestId);
    } else {
      h.add(X_REQUEST_ID, requestId);
    }
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
    int found = scan(h);
    stripHopByHop(h, found);
    if (status == 101) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
      return true;
    }
    if (status != 426 && (found & UPGRADE) != 0) {
      h.remove(HttpHeaderNames.UPGRADE);
    }
    boolean http10 = clientVersion == HttpVersion.HTTP_1_0;
    boolean chunked = (found & TRANSFER_ENCODING) != 0 && HttpUtil.isTransferEncodingChunked(response);
    boolean bodyless = headRequest || status == 204 || status == 304 || status < 200;
    if (!bodyless && (found & CONTENT_LENGTH) == 0) {
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
    if ((found & REQUEST_ID) == 0) {
      h.add(X_REQUEST_ID, requestId);
    }
    return keepAlive;
  }

  /** Removes the headers that belong to one hop: Connection, the ones it names, and the fixed list. */
  private static void stripHopByHop(HttpHeaders h, int found) {
    if ((found & HOP_BY_HOP) == 0) {
      return;
    }
    if ((found & CONNECTION) != 0) {
      String connection = h.get(HttpHeaderNames.CONNECTION);
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
    if ((found & KEEP_ALIVE) != 0) {
      h.remove(HttpHeaderNames.KEEP_ALIVE);
    }
    if ((found & PROXY_CONN) != 0) {
      h.remove(PROXY_CONNECTION);
    }
    if ((found & TE) != 0) {
      h.remove(HttpHeaderNames.TE);
    }
    if ((found & PROXY_AUTH) != 0) {
      h.remove(HttpHeaderNames.PROXY_AUTHENTICATE);
    }
  }
}
