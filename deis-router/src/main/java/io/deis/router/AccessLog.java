package io.deis.router;

import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request through SLF4J, on the logger {@code io.deis.router.access} at INFO:
 * {@code 127.0.0.1 myapp.local.deis "GET /path HTTP/1.1" 200 1234 127.0.0.1:41825 3ms 5f0c...}
 * (client, host, request line, status, response body bytes, upstream, time, request id). A
 * status of 499 means the client left before its answer. Off, it costs one boolean test.
 */
final class AccessLog {
  static final Logger LOG = LoggerFactory.getLogger("io.deis.router.access");
  private final boolean on;

  AccessLog(boolean on) {
    this.on = on;
  }

  void log(CharSequence clientIp, Exchange e) {
    if (!on || !LOG.isInfoEnabled()) {
      return;
    }
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - e.startNanos);
    LOG.info("{} {} \"{} {} {}\" {} {} {} {}ms {}", clientIp, Responses.printable(e.host), e.method,
        Responses.printable(e.uri), e.version, e.status, e.responseBytes, e.servedBy == null ? "-" : e.servedBy, millis,
        e.requestId);
  }
}
