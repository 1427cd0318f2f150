package io.deis.controller;

import io.deis.model.AppName;
import java.time.Instant;
import java.util.Optional;

/**
 * Something a user did through the controller, in Deis's words ("alice scaled containers web=3").
 * Delivered to every {@link Controller.Builder#listener listener} and logged through SLF4J.
 */
public record AuditEvent(Instant at, String actor, Kind kind, Optional<AppName> app, String message) {
  /** What happened; listeners such as the git server react to APP_CREATED and APP_DESTROYED. */
  public enum Kind {
    USER_REGISTERED, USER_DELETED, ADMIN_GRANTED, ADMIN_REVOKED, PASSWORD_CHANGED, TOKENS_REGENERATED,
    KEY_ADDED, KEY_REMOVED,
    APP_CREATED, APP_DESTROYED, APP_TRANSFERRED, PERMISSION_GRANTED, PERMISSION_REVOKED,
    RELEASE_CREATED, RELEASE_FAILED, SCALED, RESTARTED, RAN,
    DOMAIN_ADDED, DOMAIN_REMOVED, CERTIFICATE_ADDED, CERTIFICATE_REMOVED
  }

  @Override
  public String toString() {
    return at + " " + app.map(a -> "[" + a + "]: ").orElse("") + message;
  }
}
