package io.deis.store.jdbc;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.error.StoreException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Formation;
import io.deis.model.Release;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/** Apps, their releases and their collaborators. */
final class AppRows {
  private static final String RELEASE_COLUMNS = "app, version, uuid, owner, created, build, config, summary, status, failure";
  /** The app's highest release version, read from the primary key's end (H2 scans for MAX(version) with a WHERE). */
  private static final String HIGHEST_VERSION =
      "SELECT version FROM releases WHERE app = ? ORDER BY app DESC, version DESC FETCH FIRST 1 ROWS ONLY";

  /** How often a locked append reads the highest version again after concurrent appends took the next one first. */
  private static final int MAX_LOCKED_ATTEMPTS = 100;
  /** How many apps' last versions this store remembers as guesses for their next append. */
  private static final int MAX_REMEMBERED_APPS = 10_000;

  private final Database db;
  /** The last version this store saved or saw per app: a guess, checked by the statement that appends. */
  private final Map<AppName, Integer> lastVersions = new ConcurrentHashMap<>();
  /** The calling thread's hold of an app's lock ({@link AppLocks#heldEpoch}): 0 for none. */
  private final ToLongFunction<AppName> heldEpoch;
  /** What holders of an app's lock read or wrote of it, by the epoch of the hold; see {@link #kept}. */
  private final Map<AppName, Held> held = new ConcurrentHashMap<>();
  /** Counts {@link #forget}s, so that a read which raced one does not keep what it read. */
  private final AtomicLong forgotten = new AtomicLong();

  /**
   * An app as a holder of its lock last read or wrote it, in one unbroken hold ({@code epoch}):
   * its row and its newest SUCCEEDED release (the current one), each null when not known, and its
   * highest release version when this hold saved it (0 when not known). Every
   * change to an app's row or releases is made holding its lock (the controller's rule), so while
   * the hold lasts nothing but this store can change them, and this store forgets or updates what
   * it keeps whenever it changes them.
   */
  private record Held(long epoch, App app, Release current, int highest) {
    static Held nothing(long epoch) {
      return new Held(epoch, null, null, 0);
    }

    Held withApp(App read) {
      return new Held(epoch, read, current, highest);
    }

    Held withCurrent(Release read) {
      return new Held(epoch, app, read, highest);
    }

    /** After this hold saved {@code release}: the highest version, and the current release when it is SUCCEEDED. */
    Held withAppended(Release release) {
      return new Held(epoch, app, release.status() == Release.Status.SUCCEEDED ? release : current, release.version());
    }
  }

  AppRows(Database db, ToLongFunction<AppName> heldEpoch) {
    this.db = db;
    this.heldEpoch = heldEpoch;
  }

  // ---------------------------------------------------------------- apps

  void create(App app, Release first) {
    Text.check("app owner", app.owner());
    if (!first.app().equals(app.name())) {
      throw new IllegalArgumentException("the first release of " + app.name() + " belongs to " + first.app());
    }
    changing(app.name(), () -> db.transaction("create app '" + app.name() + "'", c -> {
      if (Sql.queryOne(c, "SELECT 1 FROM apps WHERE name = ?", rows -> 1, app.name().value()).isPresent()) {
        throw taken(app.name());
      }
      try {
        Sql.update(c, "INSERT INTO apps (name, owner, created, structure) VALUES (?, ?, ?, ?)", app.name().value(),
            app.owner(), Database.timestamp(app.created()), ModelJson.formation(app.structure()));
      } catch (SQLException e) {
        if (Database.uniqueViolation(e)) {
          throw taken(app.name());
        }
        throw e;
      }
      insert(c, first);
      return null;
    }));
    remember(app.name(), first.version());
  }

  Optional<App> app(AppName name) {
    return heldRead(name, Held::app, Held::withApp, () -> db.read("read app '" + name + "'", c ->
        Sql.queryOne(c, "SELECT name, owner, created, structure FROM apps WHERE name = ?", AppRows::app, name.value())));
  }

  List<App> apps() {
    // Sorted here, not by the database, whose collation may order dashes differently from AppName.
    return db.read("list apps", c -> Sql.query(c, "SELECT name, owner, created, structure FROM apps", AppRows::app)).stream()
        .sorted(java.util.Comparator.comparing(App::name)).toList();
  }

  void update(App app) {
    Text.check("app owner", app.owner());
    int changed = changing(app.name(), () -> db.read("update app '" + app.name() + "'", c -> Sql.update(c,
        "UPDATE apps SET owner = ?, created = ?, structure = ? WHERE name = ?", app.owner(), Database.timestamp(app.created()),
        ModelJson.formation(app.structure()), app.name().value())));
    if (changed == 0) {
      throw missing(app.name());
    }
  }

  void delete(AppName name) {
    // Releases, collaborators and domains go with the app's row (ON DELETE CASCADE), in one statement.
    changing(name, () -> db.read("delete app '" + name + "'", c -> Sql.update(c, "DELETE FROM apps WHERE name = ?", name.value())));
    lastVersions.remove(name);
  }

  private static App app(ResultSet rows) throws SQLException {
    AppName name = AppName.of(rows.getString("name"));
    String structure = rows.getString("structure");
    return new App(name, rows.getString("owner"), Database.instant(rows, "created"),
        decode(() -> ModelJson.formation(structure), "the structure of app '" + name + "'"));
  }

  // ---------------------------------------------------------------- releases

  /**
   * Saves the release of the app's next version: the highest one it has, plus one. Versions are
   * gapless and unique without a counter that every append of an app would update, and the primary
   * key (app, version) is the last guard. Two ways:
   * <ul>
   *   <li>When this store remembers the app's last version (it saved or saw it), one statement
   *       saves the release only if that is still the app's highest version: a single-statement
   *       transaction, one round trip and one commit. A wrong guess (another process appended, or
   *       the app was made anew) inserts nothing, or trips the primary key when a concurrent
   *       append saved that version first; then the second way.
   *   <li>Otherwise a transaction locks the app's row, so appenders in every process queue there,
   *       reads the highest version and saves the next. The lock leaves the row's key alone, so a
   *       guessed append's foreign-key check does not wait for it (it would wait while holding the
   *       version this transaction is about to insert: a deadlock).
   * </ul>
   */
  Release append(AppName app, IntFunction<Release> make) {
    try {
      return appendOnce(app, make);
    } catch (RuntimeException | Error e) {
      forget(app); // whether a failed commit saved the release is not known
      throw e;
    }
  }

  private Release appendOnce(AppName app, IntFunction<Release> make) {
    long epoch = heldEpoch.applyAsLong(app);
    long stamp = forgotten.get();
    Held known = kept(app, epoch);
    // Holding the lock since this hold saved the highest version, it is known: no guard needed.
    boolean exact = known != null && known.highest() > 0;
    Integer guess = exact ? Integer.valueOf(known.highest()) : lastVersions.get(app);
    if (guess != null) {
      Release release = stored(made(app, make, guess + 1));
      int saved = db.read("save the next release of '" + app + "'", c -> {
        try {
          return exact
              ? Sql.update(c, "INSERT INTO releases (" + RELEASE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values(release))
              : Sql.update(c, "INSERT INTO releases (" + RELEASE_COLUMNS + ") SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE"
                  + " COALESCE((" + HIGHEST_VERSION + "), 0) = ?", values(release, app.value(), guess));
        } catch (SQLException e) {
          if (Database.uniqueViolation(e) || Database.retryable(e)) {
            return 0; // a concurrent append saved this version first (or the database chose this one to undo)
          }
          if (Database.foreignKeyViolation(e)) {
            throw missing(app);
          }
          throw e;
        }
      });
      if (saved == 1) {
        return appended(release, epoch, stamp);
      }
      forget(app); // what was kept, or guessed, was wrong
    }
    for (int attempt = 1; ; attempt++) {
      try {
        Release release = db.transaction("save the next release of '" + app + "'", c -> {
          if (Sql.queryOne(c, "SELECT 1 FROM apps WHERE name = ? " + db.dialect.rowLockKeepingKeys(), rows -> 1, app.value()).isEmpty()) {
            throw missing(app);
          }
          int last = Sql.queryOne(c, HIGHEST_VERSION, rows -> rows.getInt(1), app.value()).orElse(0);
          try {
            return insert(c, made(app, make, last + 1));
          } catch (SQLException e) {
            if (Database.uniqueViolation(e)) {
              throw new VersionTaken(); // by a concurrent guessed append, which takes no row lock
            }
            throw e;
          }
        });
        return appended(release, epoch, stamp);
      } catch (VersionTaken e) {
        // Each miss means another append of this app succeeded; a bound keeps a broken database from looping here.
        if (attempt == MAX_LOCKED_ATTEMPTS) {
          throw new ConflictException("could not save a release of app '" + app + "': " + MAX_LOCKED_ATTEMPTS
              + " other appends took the next version first; try again");
        }
      }
    }
  }

  /** The version a locked append read was saved first by a concurrent guessed append. */
  private static final class VersionTaken extends RuntimeException {
    VersionTaken() {
      super(null, null, false, false);
    }
  }

  /** The release {@code make} builds for {@code version}, checked to be that version of that app. */
  private static Release made(AppName app, IntFunction<Release> make, int version) {
    Release release = make.apply(version);
    if (release.version() != version || !release.app().equals(app)) {
      throw new IllegalArgumentException("expected a release v" + version + " of " + app + ", got " + release.label());
    }
    return release;
  }

  /**
   * Remembers a saved release: its version as the next guess and, for the app's lock holder
   * ({@code epoch} not 0), as the highest version and, when it is SUCCEEDED, the current release,
   * unless something of the app was forgotten since the append began ({@code stamp}).
   */
  private Release appended(Release release, long epoch, long stamp) {
    AppName app = release.app();
    remember(app, release.version());
    if (epoch == 0) {
      forget(app);
      return release;
    }
    makeRoom(app);
    // Unlike a read, this append made what is kept stale: when something was forgotten meanwhile
    // (the stamp moved), what is kept cannot be brought up to date, so it goes.
    held.compute(app, (name, h) -> forgotten.get() != stamp ? null : sameHold(h, epoch).withAppended(release));
    return release;
  }

  private void remember(AppName app, int version) {
    if (lastVersions.size() >= MAX_REMEMBERED_APPS && !lastVersions.containsKey(app)) {
      lastVersions.clear(); // only guesses: forgetting them costs each app one read
    }
    lastVersions.put(app, version);
  }

  void updateRelease(Release release) {
    changing(release.app(), () -> db.transaction("update release " + release.label(), c -> {
      replace(c, release);
      return null;
    }));
  }

  /** The release's new state and, when given, the app's structure: one transaction. */
  void recordOutcome(Release release, Optional<Formation> structure) {
    changing(release.app(), () -> db.transaction("record the outcome of release " + release.label(), c -> {
      replace(c, release); // the release's row exists only while its app's does (foreign key)
      if (structure.isPresent()) {
        Sql.update(c, "UPDATE apps SET structure = ? WHERE name = ?", ModelJson.formation(structure.get()), release.app().value());
      }
      return null;
    }));
  }

  List<Release> releases(AppName app) {
    return db.read("list the releases of '" + app + "'", c ->
        Sql.query(c, "SELECT " + RELEASE_COLUMNS + " FROM releases WHERE app = ? ORDER BY version", AppRows::release, app.value()));
  }

  Optional<Release> release(AppName app, int version) {
    return db.read("read release v" + version + " of '" + app + "'", c -> Sql.queryOne(c,
        "SELECT " + RELEASE_COLUMNS + " FROM releases WHERE app = ? AND version = ?", AppRows::release, app.value(), version));
  }

  Optional<Release> latest(AppName app, Release.Status status) {
    Supplier<Optional<Release>> read = () -> db.read("read the newest " + status + " release of '" + app + "'",
        c -> Sql.queryOne(c, "SELECT " + RELEASE_COLUMNS + " FROM releases WHERE app = ? AND status = ? ORDER BY app, status, version DESC"
            + " FETCH FIRST 1 ROWS ONLY", AppRows::release, app.value(), status.name()));
    // Only the current release (the newest SUCCEEDED) is kept for lock holders.
    return status == Release.Status.SUCCEEDED ? heldRead(app, Held::current, Held::withCurrent, read) : read.get();
  }

  List<Release> releases(AppName app, Release.Status status) {
    // The status as a literal: PostgreSQL's index of PENDING releases serves only a query that names it.
    return db.read("list the " + status + " releases of '" + app + "'", c -> Sql.query(c,
        "SELECT " + RELEASE_COLUMNS + " FROM releases WHERE app = ? AND status = '" + status.name() + "' ORDER BY version",
        AppRows::release, app.value()));
  }

  private static Release insert(Connection c, Release release) throws SQLException {
    Release stored = stored(release);
    Sql.update(c, "INSERT INTO releases (" + RELEASE_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values(stored));
    return stored;
  }

  /** A stored release's column values in the order of RELEASE_COLUMNS, then {@code more}. */
  private static Object[] values(Release stored, Object... more) {
    Object[] columns = {stored.app().value(), stored.version(), stored.uuid(), stored.owner(), Database.timestamp(stored.created()),
        stored.build().map(ModelJson::build).orElse(null), ModelJson.config(stored.config()), stored.summary(),
        stored.status().name(), stored.failure().orElse(null)};
    Object[] all = java.util.Arrays.copyOf(columns, columns.length + more.length);
    System.arraycopy(more, 0, all, columns.length, more.length);
    return all;
  }

  private static void replace(Connection c, Release release) throws SQLException {
    Release stored = stored(release);
    int changed = Sql.update(c, "UPDATE releases SET uuid = ?, owner = ?, created = ?, build = ?, config = ?, summary = ?, status = ?,"
            + " failure = ? WHERE app = ? AND version = ?",
        stored.uuid(), stored.owner(), Database.timestamp(stored.created()), stored.build().map(ModelJson::build).orElse(null),
        ModelJson.config(stored.config()), stored.summary(), stored.status().name(), stored.failure().orElse(null),
        stored.app().value(), stored.version());
    if (changed == 0) {
      boolean app = Sql.queryOne(c, "SELECT 1 FROM apps WHERE name = ?", rows -> 1, release.app().value()).isPresent();
      throw app ? new NotFoundException("release " + release.label() + " does not exist") : missing(release.app());
    }
  }

  /** The release as a later read returns it: instants to the microsecond, text the database can hold. */
  private static Release stored(Release r) {
    Text.check("release owner", r.owner());
    Text.check("release uuid", r.uuid());
    return new Release(r.uuid(), r.app(), r.version(), r.owner(), Database.stored(r.created()), r.build(), r.config(),
        Text.clean(r.summary()), r.status(), r.failure().map(Text::clean));
  }

  private static Release release(ResultSet rows) throws SQLException {
    AppName app = AppName.of(rows.getString("app"));
    int version = rows.getInt("version");
    String what = "release v" + version + " of '" + app + "'";
    String build = rows.getString("build");
    String config = rows.getString("config");
    return new Release(rows.getString("uuid"), app, version, rows.getString("owner"), Database.instant(rows, "created"),
        build == null ? Optional.empty() : Optional.of(decode(() -> ModelJson.build(build), "the build of " + what)),
        decode(() -> ModelJson.config(config), "the config of " + what), rows.getString("summary"),
        Release.Status.valueOf(rows.getString("status")), Optional.ofNullable(rows.getString("failure")));
  }

  // ---------------------------------------------------------------- what lock holders read

  /** What this store keeps of the app for the hold {@code epoch}; null when nothing, or when the caller holds no lock (0). */
  private Held kept(AppName app, long epoch) {
    if (epoch == 0) {
      return null;
    }
    Held known = held.get(app);
    return known != null && known.epoch() == epoch ? known : null;
  }

  /**
   * What the calling thread reads of the app: what is kept for its hold of the app's lock
   * ({@code part} of it, when known), else {@code read}'s answer, then kept ({@code with}).
   */
  private <T> Optional<T> heldRead(AppName app, Function<Held, T> part, BiFunction<Held, T, Held> with,
      Supplier<Optional<T>> read) {
    long epoch = heldEpoch.applyAsLong(app);
    Held known = kept(app, epoch);
    if (known != null && part.apply(known) != null) {
      return Optional.of(part.apply(known));
    }
    long stamp = forgotten.get();
    Optional<T> value = read.get();
    value.ifPresent(v -> keep(app, epoch, stamp, h -> with.apply(h, v)));
    return value;
  }

  /**
   * Adds what a lock holder read to what is kept for its hold {@code epoch}, unless something of
   * the app was forgotten since {@code stamp}: the read may predate that change. Nothing is kept for
   * a caller that holds no lock (epoch 0).
   */
  private void keep(AppName app, long epoch, long stamp, UnaryOperator<Held> read) {
    if (epoch == 0) {
      return;
    }
    makeRoom(app);
    held.compute(app, (name, h) -> forgotten.get() != stamp ? h : read.apply(sameHold(h, epoch)));
  }

  /** What is kept for the hold {@code epoch}: {@code h}, or nothing when {@code h} is another hold's. */
  private static Held sameHold(Held h, long epoch) {
    return h != null && h.epoch() == epoch ? h : Held.nothing(epoch);
  }

  private void makeRoom(AppName app) {
    if (held.size() >= MAX_REMEMBERED_APPS && !held.containsKey(app)) {
      held.clear(); // what is kept is read again at a cost of one read each
    }
  }

  /** Makes a change to the app's row or releases, then forgets what is kept of the app, whether or not the change was made. */
  private <T> T changing(AppName app, Supplier<T> change) {
    try {
      return change.get();
    } finally {
      forget(app);
    }
  }

  /** Forgets what is kept of the app, after a change to it (and a read that raced the change keeps nothing). */
  private void forget(AppName app) {
    forgotten.incrementAndGet();
    held.remove(app);
  }

  // ---------------------------------------------------------------- collaborators

  void grant(AppName app, String username) {
    Text.checkKey("username", username, 150);
    db.read("share app '" + app + "' with '" + username + "'", c -> {
      try {
        return Sql.update(c, "INSERT INTO collaborators (app, username) SELECT ?, ? WHERE NOT EXISTS"
            + " (SELECT 1 FROM collaborators WHERE app = ? AND username = ?)", app.value(), username, app.value(), username);
      } catch (SQLException e) {
        if (Database.foreignKeyViolation(e)) {
          throw missing(app);
        }
        if (Database.uniqueViolation(e)) {
          return 0; // a concurrent grant of the same share
        }
        throw e;
      }
    });
  }

  void revoke(AppName app, String username) {
    db.transaction("revoke the share of app '" + app + "' from '" + username + "'", c -> {
      if (Sql.queryOne(c, "SELECT 1 FROM apps WHERE name = ?", rows -> 1, app.value()).isEmpty()) {
        throw missing(app);
      }
      return Sql.update(c, "DELETE FROM collaborators WHERE app = ? AND username = ?", app.value(), username);
    });
  }

  Set<String> collaborators(AppName app) {
    return db.read("list the collaborators of '" + app + "'", c -> Collections.unmodifiableSet(new TreeSet<>(Sql.query(c,
        "SELECT username FROM collaborators WHERE app = ?", rows -> rows.getString(1), app.value()))));
  }

  // ---------------------------------------------------------------- helpers

  /** What a stored JSON column holds, or a StoreException naming the column (never the values in it). */
  static <T> T decode(Supplier<T> read, String what) {
    try {
      return read.get();
    } catch (IllegalStateException e) {
      throw new StoreException(what + " cannot be read: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw new StoreException(what + " cannot be read: it holds an invalid value (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static ConflictException taken(AppName name) {
    return new ConflictException("app name '" + name + "' is taken: This field must be unique.");
  }

  static NotFoundException missing(AppName name) {
    return new NotFoundException("app '" + name + "' does not exist");
  }
}
