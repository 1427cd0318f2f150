package io.deis.store;

import io.deis.error.ConflictException;
import io.deis.error.NotFoundException;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.User;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;

/**
 * The default {@link Store}: everything in memory, gone when the JVM exits. Writes are
 * serialized on one monitor (they are cheap); reads of one app's releases copy under it.
 */
public final class InMemoryStore implements Store {
  private final Map<String, User> users = new LinkedHashMap<>();
  private final Map<String, String> passwordHashes = new ConcurrentHashMap<>();
  private final Map<String, String> tokens = new ConcurrentHashMap<>();
  private final Map<String, Key> keysByFingerprint = new LinkedHashMap<>();
  private final Map<AppName, App> apps = new LinkedHashMap<>();
  private final Map<AppName, List<Release>> releases = new ConcurrentHashMap<>();
  private final Map<AppName, Set<String>> collaborators = new ConcurrentHashMap<>();

  @Override
  public synchronized void createUser(User user, String passwordHash) {
    if (users.containsKey(user.username())) {
      throw new ConflictException("username '" + user.username() + "' is taken");
    }
    users.put(user.username(), user);
    passwordHashes.put(user.username(), passwordHash);
  }

  @Override
  public synchronized Optional<User> user(String username) {
    return Optional.ofNullable(users.get(username));
  }

  @Override
  public synchronized List<User> users() {
    return List.copyOf(users.values());
  }

  @Override
  public synchronized void updateUser(User user) {
    requireUser(user.username());
    users.put(user.username(), user);
  }

  @Override
  public Optional<String> passwordHash(String username) {
    return Optional.ofNullable(passwordHashes.get(username));
  }

  @Override
  public synchronized void setPasswordHash(String username, String passwordHash) {
    requireUser(username);
    passwordHashes.put(username, passwordHash);
  }

  @Override
  public synchronized void deleteUser(String username) {
    users.remove(username);
    passwordHashes.remove(username);
    removeTokens(username);
    keysByFingerprint.values().removeIf(k -> k.owner().equals(username));
    collaborators.values().forEach(s -> s.remove(username));
  }

  @Override
  public void addToken(String tokenHash, String username) {
    tokens.put(tokenHash, username);
  }

  @Override
  public Optional<String> userForToken(String tokenHash) {
    return Optional.ofNullable(tokens.get(tokenHash));
  }

  @Override
  public void removeTokens(String username) {
    tokens.values().removeIf(username::equals);
  }

  @Override
  public synchronized void addKey(Key key) {
    if (keysByFingerprint.containsKey(key.fingerprint())) {
      throw new ConflictException("public key " + key.fingerprint() + " is already registered: This field must be unique.");
    }
    if (keys(key.owner()).stream().anyMatch(k -> k.id().equals(key.id()))) {
      throw new ConflictException("you already have a key named '" + key.id() + "': remove it first or pick another name");
    }
    keysByFingerprint.put(key.fingerprint(), key);
  }

  @Override
  public synchronized List<Key> keys(String owner) {
    return keysByFingerprint.values().stream().filter(k -> k.owner().equals(owner)).toList();
  }

  @Override
  public synchronized Optional<Key> keyByFingerprint(String sha256Fingerprint) {
    return Optional.ofNullable(keysByFingerprint.get(sha256Fingerprint));
  }

  @Override
  public synchronized boolean removeKey(String owner, String id) {
    return keysByFingerprint.values().removeIf(k -> k.owner().equals(owner) && k.id().equals(id));
  }

  @Override
  public synchronized void createApp(App app, Release first) {
    if (apps.containsKey(app.name())) {
      throw new ConflictException("app name '" + app.name() + "' is taken: This field must be unique.");
    }
    apps.put(app.name(), app);
    releases.put(app.name(), Collections.synchronizedList(new ArrayList<>(List.of(first))));
    collaborators.put(app.name(), ConcurrentHashMap.newKeySet());
  }

  @Override
  public synchronized Optional<App> app(AppName name) {
    return Optional.ofNullable(apps.get(name));
  }

  @Override
  public synchronized List<App> apps() {
    return apps.values().stream().sorted(Comparator.comparing(App::name)).toList();
  }

  @Override
  public synchronized void updateApp(App app) {
    requireApp(app.name());
    apps.put(app.name(), app);
  }

  @Override
  public synchronized void deleteApp(AppName name) {
    apps.remove(name);
    releases.remove(name);
    collaborators.remove(name);
  }

  @Override
  public Release appendRelease(AppName app, IntFunction<Release> make) {
    List<Release> list = requireReleases(app);
    synchronized (list) {
      int next = list.get(list.size() - 1).version() + 1;
      Release release = make.apply(next);
      if (release.version() != next || !release.app().equals(app)) {
        throw new IllegalArgumentException("expected a release v" + next + " of " + app + ", got " + release.label());
      }
      list.add(release);
      return release;
    }
  }

  @Override
  public void updateRelease(Release release) {
    List<Release> list = requireReleases(release.app());
    synchronized (list) {
      int index = release.version() - 1; // versions are gapless from v1, so the version is the position
      if (index >= list.size() || list.get(index).version() != release.version()) {
        throw new NotFoundException("release " + release.label() + " does not exist");
      }
      list.set(index, release);
    }
  }

  @Override
  public List<Release> releases(AppName app) {
    List<Release> list = releases.get(app);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  @Override
  public Optional<Release> release(AppName app, int version) {
    List<Release> list = releases.get(app);
    if (list == null || version < 1) {
      return Optional.empty();
    }
    synchronized (list) {
      return version <= list.size() ? Optional.of(list.get(version - 1)) : Optional.empty();
    }
  }

  @Override
  public void grant(AppName app, String username) {
    requireCollaborators(app).add(username);
  }

  @Override
  public void revoke(AppName app, String username) {
    requireCollaborators(app).remove(username);
  }

  @Override
  public Set<String> collaborators(AppName app) {
    return Collections.unmodifiableSet(new TreeSet<>(collaborators.getOrDefault(app, Set.of())));
  }

  private void requireUser(String username) {
    if (!users.containsKey(username)) {
      throw new NotFoundException("user '" + username + "' does not exist");
    }
  }

  private void requireApp(AppName name) {
    if (!apps.containsKey(name)) {
      throw new NotFoundException("app '" + name + "' does not exist");
    }
  }

  private List<Release> requireReleases(AppName app) {
    List<Release> list = releases.get(app);
    if (list == null) {
      throw new NotFoundException("app '" + app + "' does not exist");
    }
    return list;
  }

  private Set<String> requireCollaborators(AppName app) {
    Set<String> set = collaborators.get(app);
    if (set == null) {
      throw new NotFoundException("app '" + app + "' does not exist");
    }
    return set;
  }
}
