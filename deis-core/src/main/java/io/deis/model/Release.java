package io.deis.model;

import java.time.Instant;
import java.util.Optional;

/**
 * {@code vN = Build + Config}. Versions start at v1 (made with the app: no build, empty config) and
 * go up by one for every build, config change and rollback; a version is never reused, not even
 * one whose deploy failed.
 *
 * @param summary what made this release, in Deis's words ("alice deployed 1a2b3c4")
 * @param failure why the deploy failed, when {@code status} is FAILED
 */
public record Release(
    String uuid,
    AppName app,
    int version,
    String owner,
    Instant created,
    Optional<Build> build,
    Config config,
    String summary,
    Status status,
    Optional<String> failure) {

  /** Where a release is in its deploy. Only a SUCCEEDED release can be the app's current one. */
  public enum Status {
    /** Saved; the scheduler is deploying it. */
    PENDING,
    /** Its containers came up: it is (or was) the current release. */
    SUCCEEDED,
    /** Its containers did not come up; the previous release kept serving. */
    FAILED
  }

  public Release {
    if (version < 1) {
      throw new IllegalArgumentException("release versions start at v1, not v" + version);
    }
  }

  public Release succeeded() {
    return new Release(uuid, app, version, owner, created, build, config, summary, Status.SUCCEEDED, Optional.empty());
  }

  public Release failed(String why) {
    return new Release(uuid, app, version, owner, created, build, config, summary, Status.FAILED, Optional.of(why));
  }

  /** Deis's text form of a release: {@code <app>-v<N>}. */
  public String label() {
    return app + "-v" + version;
  }

  @Override
  public String toString() {
    return "v" + version + " " + summary + " (" + status + ")";
  }
}
