package io.deis.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.deis.build.BuildSource;
import io.deis.model.AppName;
import io.deis.model.Build;
import io.deis.model.ConfigChange;
import io.deis.model.ProcessType;
import io.deis.model.Procfile;
import io.deis.model.Release;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/** {@code /v1/apps/<app>/config/}, {@code builds/} and {@code releases/}: everything that makes a release. */
final class ReleaseEndpoints {
  private ReleaseEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("GET", "apps/{app}/config",
        call -> Reply.ok(Views.config(AppName.of(call.app()), call.session().config(call.app())))));
    routes.add(new Route("POST", "apps/{app}/config", ReleaseEndpoints::setConfig).accepts("values", "memory", "cpu", "tags"));
    routes.add(new Route("GET", "apps/{app}/builds",
        call -> call.page(com.google.common.collect.Lists.reverse(call.session().builds(call.app())), Views::build)));
    routes.add(new Route("POST", "apps/{app}/builds", ReleaseEndpoints::build).accepts("image", "procfile"));
    routes.add(new Route("GET", "apps/{app}/releases",
        call -> call.page(com.google.common.collect.Lists.reverse(call.session().releases(call.app())), Views::release)));
    routes.add(new Route("POST", "apps/{app}/releases/rollback", ReleaseEndpoints::rollback).accepts("version"));
    routes.add(new Route("GET", "apps/{app}/releases/{version}",
        call -> Reply.ok(Views.release(call.session().release(call.app(), version(call.param("version")))))));
  }

  /**
   * Merges the posted values, limits and tags into the config: {@code null} unsets a key. A
   * change makes a release (201, with its version in the {@code X-Deis-Release} header); a post
   * that changes nothing makes none and answers 200 with the config as it is.
   */
  private static Reply setConfig(Call call) {
    ConfigChange.Builder change = ConfigChange.builder();
    Body body = call.body();
    body.object("values", call.mapper).ifPresent(values -> call.asField("values", () -> {
      values.forEach((key, value) -> {
        if (value.isNull()) {
          change.unset(key);
        } else if (value.isTextual() || value.isNumber()) {
          change.set(key, value.asText()); // the original kept {"PORT": 5000} as "5000"
        } else {
          throw new FieldError("values", "the value of " + key + " must be a string, a number or null, not " + Body.kind(value));
        }
      });
      return null;
    }));
    body.object("memory", call.mapper).ifPresent(memory -> call.asField("memory", () -> {
      memory.forEach((type, limit) -> {
        if (limit.isNull()) {
          change.unsetMemory(ProcessType.of(type));
        } else if (limit.isTextual()) {
          change.memory(ProcessType.of(type), limit.textValue());
        } else {
          throw new FieldError("memory", "the memory limit of " + type + " must be a string such as 512M, not " + Body.kind(limit));
        }
      });
      return null;
    }));
    body.object("cpu", call.mapper).ifPresent(cpu -> call.asField("cpu", () -> {
      cpu.forEach((type, shares) -> {
        if (shares.isNull()) {
          change.unsetCpu(ProcessType.of(type));
        } else {
          change.cpu(ProcessType.of(type), cpuShares(type, shares));
        }
      });
      return null;
    }));
    body.object("tags", call.mapper).ifPresent(tags -> call.asField("tags", () -> {
      tags.forEach((key, value) -> {
        if (value.isNull()) {
          change.untag(key);
        } else if (value.isTextual()) {
          change.tag(key, value.textValue());
        } else {
          throw new FieldError("tags", "the value of tag " + key + " must be a string, not " + Body.kind(value));
        }
      });
      return null;
    }));
    Optional<Release> release = call.session().setConfig(call.app(), change.build());
    AppName app = AppName.of(call.app());
    if (release.isEmpty()) {
      return Reply.ok(Views.config(app, call.session().config(call.app())));
    }
    return Reply.created(Views.config(app, release.get().config())).withRelease(release.get().version());
  }

  /** The client sends cpu shares as strings ("512"); the original also took numbers. */
  private static int cpuShares(String type, JsonNode shares) {
    if (shares.isInt()) {
      return shares.intValue();
    }
    if (shares.isTextual() && shares.textValue().matches("[0-9]{1,9}")) {
      return Integer.parseInt(shares.textValue());
    }
    throw new FieldError("cpu", "cpu shares " + shares + " for " + type + " are invalid: CPU shares must be an integer");
  }

  /** {@code deis pull}: an image, with a procfile naming its process types, deployed as the next release. */
  private static Reply build(Call call) {
    Body body = call.body();
    String image = body.requiredString("image");
    Procfile procfile = body.object("procfile", call.mapper).map(entries -> call.asField("procfile", () -> {
      Map<ProcessType, String> commands = new TreeMap<>();
      entries.forEach((type, command) -> {
        if (!command.isTextual()) {
          throw new FieldError("procfile", "the command of " + type + " must be a string, not " + Body.kind(command));
        }
        commands.put(ProcessType.of(type), command.textValue());
      });
      return new Procfile(commands);
    })).orElse(Procfile.EMPTY);
    BuildSource source = call.asField("image", () -> new BuildSource.Image(image, procfile));
    Release release = call.session().deploy(call.app(), source);
    Build build = release.build().orElseThrow();
    return Reply.created(Views.build(build)).withRelease(release.version());
  }

  /** To {@code version}, or without it to the release before the current one; answers the new version. */
  private static Reply rollback(Call call) {
    OptionalInt version = call.body().integer("version");
    Release release = version.isPresent()
        ? call.session().rollback(call.app(), version.getAsInt())
        : call.session().rollback(call.app());
    return Reply.created(Views.object().put("version", release.version()));
  }

  /** {@code v3} (what the client sends) or {@code 3}; anything else names no release. */
  private static int version(String text) {
    String digits = text.startsWith("v") ? text.substring(1) : text;
    if (!digits.matches("[0-9]{1,9}")) {
      throw new HttpError(404, "release '" + text + "' does not exist: releases are named v1, v2, ...");
    }
    return Integer.parseInt(digits);
  }
}
