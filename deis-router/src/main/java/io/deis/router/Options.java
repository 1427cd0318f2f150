package io.deis.router;

/** Every setting of a router, checked by {@link Router.Builder}. Times are in milliseconds. */
record Options(
    String host,
    int port,
    int httpsPort,
    String platformDomain,
    Balancing balancing,
    int ioThreads,
    boolean nativeTransport,
    long connectTimeoutMillis,
    long idleTimeoutMillis,
    long requestTimeoutMillis,
    long drainWindowMillis,
    long maxRequestBodyBytes,
    int maxInitialLineLength,
    int maxHeaderSize,
    int maxConnections,
    int maxIdleConnectionsPerUpstream,
    boolean accessLog) {

  boolean https() {
    return httpsPort >= 0;
  }
}
