package io.deis.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deis.model.App;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.Certificate;
import io.deis.model.Config;
import io.deis.model.Container;
import io.deis.model.Domain;
import io.deis.model.Key;
import io.deis.model.Release;
import io.deis.model.StateChange;
import io.deis.model.User;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The v1 API's JSON shape of each model value: field names, strings where the client wants
 * strings, numbers where it wants numbers, timestamps as {@code 2014-01-01T00:00:00UTC}.
 *
 * <p>Where the model keeps no uuid (apps, keys, containers) one is derived from the value's
 * identity (a name-based UUID), so it is stable across requests. Where it keeps no update time,
 * {@code updated} is the creation time.
 */
final class Views {
  /** Deis's {@code %Y-%m-%dT%H:%M:%S%Z}. */
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'UTC'").withZone(ZoneOffset.UTC);
  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  private Views() {}

  static String time(Instant at) {
    return TIME.format(at);
  }

  static String derivedUuid(String kind, String identity) {
    return UUID.nameUUIDFromBytes((kind + ":" + identity).getBytes(StandardCharsets.UTF_8)).toString();
  }

  static ObjectNode object() {
    return JSON.objectNode();
  }

  static ArrayNode array() {
    return JSON.arrayNode();
  }

  static ObjectNode app(App app, String appDomain) {
    ObjectNode structure = object();
    app.structure().counts().forEach((type, count) -> structure.put(type.value(), count));
    ObjectNode o = object();
    o.put("uuid", derivedUuid("app", app.name() + "@" + app.created()));
    o.put("id", app.name().value());
    o.put("owner", app.owner());
    o.put("url", app.name() + "." + appDomain);
    o.set("structure", structure);
    o.put("created", time(app.created()));
    o.put("updated", time(app.created()));
    return o;
  }

  static ObjectNode config(AppName app, Config config) {
    ObjectNode values = object();
    config.values().forEach(values::put);
    ObjectNode memory = object();
    config.memory().forEach((type, limit) -> memory.put(type.value(), limit));
    ObjectNode cpu = object();
    config.cpu().forEach((type, shares) -> cpu.put(type.value(), shares)); // numbers: the client reads cpu as numbers
    ObjectNode tags = object();
    config.tags().forEach(tags::put);
    ObjectNode o = object();
    o.put("uuid", config.uuid());
    o.put("owner", config.owner());
    o.put("app", app.value());
    o.set("values", values);
    o.set("memory", memory);
    o.set("cpu", cpu);
    o.set("tags", tags);
    o.put("created", time(config.created()));
    o.put("updated", time(config.created()));
    return o;
  }

  static ObjectNode build(Build build) {
    ObjectNode procfile = object();
    build.procfile().commands().forEach((type, command) -> procfile.put(type.value(), command));
    ObjectNode o = object();
    o.put("uuid", build.uuid());
    o.put("owner", build.owner());
    o.put("app", build.app().value());
    o.put("image", build.image().orElse(""));
    o.put("sha", build.sha().orElse(""));
    o.put("dockerfile", build.dockerfile().orElse(""));
    o.set("procfile", procfile);
    o.put("created", time(build.created()));
    o.put("updated", time(build.created()));
    return o;
  }

  /**
   * A release. A release whose deploy failed is kept (its version is never reused); its summary
   * says so, because {@code deis releases} shows only the summary, and {@code status} tells scripts.
   */
  static ObjectNode release(Release release) {
    ObjectNode o = object();
    o.put("uuid", release.uuid());
    o.put("owner", release.owner());
    o.put("app", release.app().value());
    o.put("version", release.version());
    if (release.build().isPresent()) {
      o.put("build", release.build().get().uuid());
    } else {
      o.putNull("build");
    }
    o.put("config", release.config().uuid());
    o.put("summary", release.summary() + switch (release.status()) {
      case FAILED -> " (failed)";
      case PENDING -> " (deploying)";
      case SUCCEEDED -> "";
    });
    o.put("status", release.status().name().toLowerCase(java.util.Locale.ROOT));
    o.put("created", time(release.created()));
    o.put("updated", time(release.created()));
    return o;
  }

  /** A container; {@code owner} is the app's owner, {@code release} the string {@code v2}, {@code num} a number. */
  static ObjectNode container(Container c, String appOwner) {
    Instant created = c.history().isEmpty() ? Instant.EPOCH : c.history().get(0).at();
    Instant updated = c.lastChange().map(StateChange::at).orElse(created);
    ObjectNode o = object();
    o.put("uuid", derivedUuid("container", c.app() + "/" + c.id()));
    o.put("owner", appOwner);
    o.put("app", c.app().value());
    o.put("release", "v" + c.release());
    o.put("type", c.type().value());
    o.put("num", c.num());
    o.put("state", c.state().toString());
    o.put("created", time(created));
    o.put("updated", time(updated));
    return o;
  }

  /** An SSH key; {@code fingerprint} is Deis's MD5 form. */
  static ObjectNode key(Key key) {
    ObjectNode o = object();
    o.put("uuid", derivedUuid("key", key.owner() + "/" + key.id() + "/" + key.fingerprint()));
    o.put("id", key.id());
    o.put("owner", key.owner());
    o.put("public", key.publicKey().toOpenSsh());
    o.put("fingerprint", key.publicKey().fingerprintMd5());
    o.put("created", time(key.created()));
    o.put("updated", time(key.created()));
    return o;
  }

  /**
   * A user, in Django's shape. {@code id} is the user's place in registration order among the
   * current users (the model keeps no number); first and last names are not kept, so they are empty.
   */
  static ObjectNode user(User user, int id) {
    ObjectNode o = userWithoutId(user);
    o.put("id", id);
    return o;
  }

  static ObjectNode userWithoutId(User user) {
    ObjectNode o = object();
    o.put("username", user.username());
    o.put("email", user.email());
    o.put("first_name", "");
    o.put("last_name", "");
    o.put("is_superuser", user.admin());
    o.put("is_staff", user.admin());
    o.put("is_active", true);
    o.putNull("last_login");
    o.put("date_joined", time(user.created()));
    o.set("groups", array());
    o.set("user_permissions", array());
    return o;
  }

  static ObjectNode domain(Domain domain) {
    ObjectNode o = object();
    o.put("uuid", derivedUuid("domain", domain.key() + "@" + domain.created()));
    o.put("app", domain.app().value());
    o.put("owner", domain.owner());
    o.put("domain", domain.domain());
    o.put("created", time(domain.created()));
    o.put("updated", time(domain.created()));
    return o;
  }

  /**
   * A certificate without its key or text (write-only, as the original). {@code id} is its place
   * among the caller's certificates in the order they were added (the model keeps no number).
   */
  static ObjectNode certificate(Certificate cert, int id) {
    ObjectNode o = object();
    o.put("id", id);
    o.put("common_name", cert.commonName());
    o.put("expires", time(cert.expires()));
    o.put("owner", cert.owner());
    o.put("created", time(cert.created()));
    o.put("updated", time(cert.created()));
    return o;
  }
}
