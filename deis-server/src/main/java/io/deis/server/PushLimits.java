package io.deis.server;

import java.time.Duration;

/** What one push may send: a pack of at most {@code maxBytes}, within {@code maxReceiveTime}. */
record PushLimits(long maxBytes, Duration maxReceiveTime) {}
