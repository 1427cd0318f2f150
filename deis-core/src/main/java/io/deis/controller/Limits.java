package io.deis.controller;

import io.deis.error.InvalidInputException;
import io.deis.model.Config;
import java.time.Duration;

/**
 * The bounds of everything a user controls through the controller: how many containers, apps,
 * keys, domains and config values, how large, how long a check or a {@code run} may take, how
 * many log lines, how many log-in and register attempts. Each has a default that suits a shared
 * platform, and each is set on {@link Builder} within a range. A refused request names the limit
 * it hit and changes nothing.
 *
 * <pre>{@code
 * Controller.builder().limits(Limits.builder().containersPerType(20).configKeys(100).build())
 * }</pre>
 */
public final class Limits {
  private final int containersPerType;
  private final int containersPerApp;
  private final int appsPerUser;
  private final int keysPerUser;
  private final int domainsPerApp;
  private final int collaboratorsPerApp;
  private final int certificatesPerUser;
  private final int tagsPerApp;
  private final int configKeys;
  private final int configValueBytes;
  private final int configBytes;
  private final Duration healthCheckTimeout;
  private final Duration healthCheckInitialDelay;
  private final Duration runTimeout;
  private final int runCommandBytes;
  private final int appLogLines;
  private final int logLines;
  private final int authAttempts;
  private final Duration authWindow;
  private final int authSources;
  private final long checkoutFiles;
  private final long checkoutBytes;

  private Limits(Builder b) {
    this.containersPerType = b.containersPerType;
    this.containersPerApp = b.containersPerApp;
    this.appsPerUser = b.appsPerUser;
    this.keysPerUser = b.keysPerUser;
    this.domainsPerApp = b.domainsPerApp;
    this.collaboratorsPerApp = b.collaboratorsPerApp;
    this.certificatesPerUser = b.certificatesPerUser;
    this.tagsPerApp = b.tagsPerApp;
    this.configKeys = b.configKeys;
    this.configValueBytes = b.configValueBytes;
    this.configBytes = b.configBytes;
    this.healthCheckTimeout = b.healthCheckTimeout;
    this.healthCheckInitialDelay = b.healthCheckInitialDelay;
    this.runTimeout = b.runTimeout;
    this.runCommandBytes = b.runCommandBytes;
    this.appLogLines = b.appLogLines;
    this.logLines = b.logLines;
    this.authAttempts = b.authAttempts;
    this.authWindow = b.authWindow;
    this.authSources = b.authSources;
    this.checkoutFiles = b.checkoutFiles;
    this.checkoutBytes = b.checkoutBytes;
  }

  /** Every limit at its default. */
  public static Limits defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Containers of one process type of an app (default 100): {@code scale web=N} beyond it is refused before anything starts. */
  public int containersPerType() {
    return containersPerType;
  }

  /** Containers of all process types of an app together (default 200). */
  public int containersPerApp() {
    return containersPerApp;
  }

  /** Apps one user may own (default 100); administrators too. */
  public int appsPerUser() {
    return appsPerUser;
  }

  /** SSH keys one user may register (default 50). */
  public int keysPerUser() {
    return keysPerUser;
  }

  /** Custom domains of one app (default 100). */
  public int domainsPerApp() {
    return domainsPerApp;
  }

  /** Users one app is shared with (default 100): {@code deis perms:create} beyond it is refused. */
  public int collaboratorsPerApp() {
    return collaboratorsPerApp;
  }

  /** TLS certificates one user may add (default 100); an administrator's count too. */
  public int certificatesPerUser() {
    return certificatesPerUser;
  }

  /** Tags of one app's config (default 64): {@code deis tags:set} beyond it is refused. */
  public int tagsPerApp() {
    return tagsPerApp;
  }

  /** Config values of one app (default 256). */
  public int configKeys() {
    return configKeys;
  }

  /** Bytes (UTF-8) of one config value (default 32 KiB). */
  public int configValueBytes() {
    return configValueBytes;
  }

  /**
   * Bytes of all of an app's config keys and values together (default 256 KiB): well inside what a
   * process environment (Linux's 2 MiB for arguments and environment) and a Kubernetes Secret (1 MiB) hold.
   */
  public int configBytes() {
    return configBytes;
  }

  /** The longest {@code HEALTHCHECK_TIMEOUT} (default 30 s); with the initial delay it must also fit the scheduler's deploy timeout. */
  public Duration healthCheckTimeout() {
    return healthCheckTimeout;
  }

  /** The longest {@code HEALTHCHECK_INITIAL_DELAY} (default 60 s). */
  public Duration healthCheckInitialDelay() {
    return healthCheckInitialDelay;
  }

  /** The longest a one-off {@code run} may be given (default 1 hour). */
  public Duration runTimeout() {
    return runTimeout;
  }

  /** Bytes of a one-off {@code run}'s command (default 16 KiB). */
  public int runCommandBytes() {
    return runCommandBytes;
  }

  /** The controller's own log lines kept in memory per app (default 1,000): the oldest go first. */
  public int appLogLines() {
    return appLogLines;
  }

  /** The most log lines one {@code logs} call returns (default 10,000). */
  public int logLines() {
    return logLines;
  }

  /** Log-in and register attempts one source may make per {@link #authWindow()} (default 20). */
  public int authAttempts() {
    return authAttempts;
  }

  /** The window of {@link #authAttempts()} (default 1 minute). */
  public Duration authWindow() {
    return authWindow;
  }

  /** How many sources the attempt limiter tracks at once (default 10,000); beyond that, new sources wait for a window to end. */
  public int authSources() {
    return authSources;
  }

  /** Files and directories one build checkout may write (default 100,000): a small push can name a huge tree. */
  public long checkoutFiles() {
    return checkoutFiles;
  }

  /** Bytes one build checkout may write (default 1 GiB). */
  public long checkoutBytes() {
    return checkoutBytes;
  }

  @Override
  public String toString() {
    return "Limits[containersPerType=" + containersPerType + ", containersPerApp=" + containersPerApp + ", appsPerUser="
        + appsPerUser + ", keysPerUser=" + keysPerUser + ", domainsPerApp=" + domainsPerApp + ", collaboratorsPerApp=" + collaboratorsPerApp
        + ", certificatesPerUser=" + certificatesPerUser + ", tagsPerApp=" + tagsPerApp + ", configKeys=" + configKeys
        + ", configValueBytes=" + configValueBytes + ", configBytes=" + configBytes + ", healthCheckTimeout="
        + healthCheckTimeout + ", healthCheckInitialDelay=" + healthCheckInitialDelay + ", runTimeout=" + runTimeout
        + ", runCommandBytes=" + runCommandBytes + ", appLogLines=" + appLogLines + ", logLines=" + logLines
        + ", authAttempts=" + authAttempts + ", authWindow=" + authWindow + ", authSources=" + authSources
        + ", checkoutFiles=" + checkoutFiles + ", checkoutBytes=" + checkoutBytes + "]";
  }

  /** Sets limits; each option is range-checked, and one left unset keeps its default. */
  public static final class Builder {
    private int containersPerType = 100;
    private int containersPerApp = 200;
    private int appsPerUser = 100;
    private int keysPerUser = 50;
    private int domainsPerApp = 100;
    private int collaboratorsPerApp = 100;
    private int certificatesPerUser = 100;
    private int tagsPerApp = 64;
    private int configKeys = 256;
    private int configValueBytes = 32 * 1024;
    private int configBytes = 256 * 1024;
    private Duration healthCheckTimeout = Duration.ofSeconds(30);
    private Duration healthCheckInitialDelay = Duration.ofSeconds(60);
    private Duration runTimeout = Duration.ofHours(1);
    private int runCommandBytes = 16 * 1024;
    private int appLogLines = 1000;
    private int logLines = 10_000;
    private int authAttempts = 20;
    private Duration authWindow = Duration.ofMinutes(1);
    private int authSources = 10_000;
    private long checkoutFiles = 100_000;
    private long checkoutBytes = 1L << 30;

    private Builder() {}

    /** 1 to 10,000; default 100. */
    public Builder containersPerType(int n) {
      this.containersPerType = between("containersPerType", n, 1, 10_000);
      return this;
    }

    /** 1 to 100,000; default 200. */
    public Builder containersPerApp(int n) {
      this.containersPerApp = between("containersPerApp", n, 1, 100_000);
      return this;
    }

    /** 1 to 100,000; default 100. */
    public Builder appsPerUser(int n) {
      this.appsPerUser = between("appsPerUser", n, 1, 100_000);
      return this;
    }

    /** 1 to 10,000; default 50. */
    public Builder keysPerUser(int n) {
      this.keysPerUser = between("keysPerUser", n, 1, 10_000);
      return this;
    }

    /** 1 to 10,000; default 100. */
    public Builder domainsPerApp(int n) {
      this.domainsPerApp = between("domainsPerApp", n, 1, 10_000);
      return this;
    }

    /** 1 to 10,000; default 100. */
    public Builder collaboratorsPerApp(int n) {
      this.collaboratorsPerApp = between("collaboratorsPerApp", n, 1, 10_000);
      return this;
    }

    /** 1 to 10,000; default 100. */
    public Builder certificatesPerUser(int n) {
      this.certificatesPerUser = between("certificatesPerUser", n, 1, 10_000);
      return this;
    }

    /** 1 to 1,000; default 64. */
    public Builder tagsPerApp(int n) {
      this.tagsPerApp = between("tagsPerApp", n, 1, 1_000);
      return this;
    }

    /** 1 to 10,000; default 256. */
    public Builder configKeys(int n) {
      this.configKeys = between("configKeys", n, 1, 10_000);
      return this;
    }

    /** 1 to {@link Config#MAX_VALUE_BYTES} (128 KiB, the kernel's limit for one environment string); default 32 KiB. */
    public Builder configValueBytes(int bytes) {
      this.configValueBytes = between("configValueBytes", bytes, 1, Config.MAX_VALUE_BYTES);
      return this;
    }

    /** 1 KiB to 1 MiB (a Kubernetes Secret's most); default 256 KiB. */
    public Builder configBytes(int bytes) {
      this.configBytes = between("configBytes", bytes, 1024, 1024 * 1024);
      return this;
    }

    /** 1 s to 1 hour; default 30 s. */
    public Builder healthCheckTimeout(Duration d) {
      this.healthCheckTimeout = between("healthCheckTimeout", d, Duration.ofSeconds(1), Duration.ofHours(1));
      return this;
    }

    /** 0 to 1 hour; default 60 s. */
    public Builder healthCheckInitialDelay(Duration d) {
      this.healthCheckInitialDelay = between("healthCheckInitialDelay", d, Duration.ZERO, Duration.ofHours(1));
      return this;
    }

    /** 1 s to 1 day; default 1 hour. */
    public Builder runTimeout(Duration d) {
      this.runTimeout = between("runTimeout", d, Duration.ofSeconds(1), Duration.ofDays(1));
      return this;
    }

    /** 1 byte to 128 KiB (the kernel's limit for one argument); default 16 KiB. */
    public Builder runCommandBytes(int bytes) {
      this.runCommandBytes = between("runCommandBytes", bytes, 1, 128 * 1024);
      return this;
    }

    /** 1 to 1,000,000; default 1,000. */
    public Builder appLogLines(int n) {
      this.appLogLines = between("appLogLines", n, 1, 1_000_000);
      return this;
    }

    /** 1 to 1,000,000; default 10,000. */
    public Builder logLines(int n) {
      this.logLines = between("logLines", n, 1, 1_000_000);
      return this;
    }

    /** {@code attempts} (1 to 1,000,000) per {@code window} (1 s to 1 day) from one source; default 20 a minute. */
    public Builder authAttempts(int attempts, Duration window) {
      this.authAttempts = between("authAttempts", attempts, 1, 1_000_000);
      this.authWindow = between("authWindow", window, Duration.ofSeconds(1), Duration.ofDays(1));
      return this;
    }

    /** 1 to 10,000,000; default 10,000. */
    public Builder authSources(int n) {
      this.authSources = between("authSources", n, 1, 10_000_000);
      return this;
    }

    /** 1 to 10,000,000; default 100,000. */
    public Builder checkoutFiles(long n) {
      this.checkoutFiles = between("checkoutFiles", n, 1, 10_000_000);
      return this;
    }

    /** 1 KiB to 1 TiB; default 1 GiB. */
    public Builder checkoutBytes(long bytes) {
      this.checkoutBytes = between("checkoutBytes", bytes, 1024, 1L << 40);
      return this;
    }

    public Limits build() {
      return new Limits(this);
    }
  }

  // ---------------------------------------------------------------- range checks of options (every builder's)

  static Duration between(String option, Duration value, Duration min, Duration max) {
    if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }

  static long between(String option, long value, long min, long max) {
    if (value < min || value > max) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }

  static int between(String option, int value, int min, int max) {
    if (value < min || value > max) {
      throw new InvalidInputException(option + " " + value + " is out of range: use " + min + " to " + max);
    }
    return value;
  }
}
