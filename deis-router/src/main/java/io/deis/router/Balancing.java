package io.deis.router;

/** How a {@link Router} spreads an app's requests over its up containers. */
public enum Balancing {
  /** Each container in turn. */
  ROUND_ROBIN,
  /** The container serving the fewest requests right now (ties in turn): better when requests vary in cost. */
  LEAST_IN_FLIGHT
}
