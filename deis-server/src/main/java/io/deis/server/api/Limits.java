package io.deis.server.api;

/** The bounds an {@link ApiServer} applies to every request, copied from its builder. */
record Limits(
    String appDomain,
    int maxRequestBytes,
    int maxJsonDepth,
    int authAttemptsPerMinute,
    int maxTrackedClients,
    int defaultPageSize,
    int maxPageSize,
    int defaultLogLines,
    int maxLogLines) {

  Limits(ApiServer.Builder b) {
    this(b.appDomain, b.maxRequestBytes, b.maxJsonDepth, b.authAttemptsPerMinute, b.maxTrackedClients,
        b.defaultPageSize, b.maxPageSize, b.defaultLogLines, b.maxLogLines);
  }
}
