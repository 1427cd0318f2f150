package io.deis.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.deis.model.App;
import io.deis.scheduler.RunResult;
import java.util.List;
import java.util.Optional;

/** {@code /v1/apps/}: create, list, info, transfer, destroy, logs and run. */
final class AppEndpoints {
  private AppEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("GET", "apps", call -> call.page(call.session().apps(), app -> Views.app(app, call.limits.appDomain()))));
    routes.add(new Route("POST", "apps", AppEndpoints::create).accepts("id"));
    routes.add(new Route("GET", "apps/{app}", call -> Reply.ok(Views.app(call.session().app(call.app()), call.limits.appDomain()))));
    routes.add(new Route("POST", "apps/{app}", AppEndpoints::transfer).accepts("owner"));
    routes.add(new Route("DELETE", "apps/{app}", call -> {
      call.session().destroyApp(call.app());
      return Reply.noContent();
    }));
    routes.add(new Route("GET", "apps/{app}/logs", AppEndpoints::logs));
    routes.add(new Route("POST", "apps/{app}/run", AppEndpoints::run).accepts("command"));
  }

  /** With {@code id} the app gets that name; with an empty body a generated one ({@code violet-valkyrie}). */
  private static Reply create(Call call) {
    Optional<String> id = call.body().string("id");
    App app = call.asField("id", () -> id.isPresent() ? call.session().createApp(id.get()) : call.session().createApp());
    return Reply.created(Views.app(app, call.limits.appDomain()));
  }

  private static Reply transfer(Call call) {
    String owner = call.body().requiredString("owner");
    return Reply.ok(Views.app(call.session().transferApp(call.app(), owner), call.limits.appDomain()));
  }

  /** Plain text with real newlines, as the client prints it; 204 when there is nothing yet. */
  private static Reply logs(Call call) {
    int lines = call.query("log_lines").map(value -> {
      try {
        return Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new HttpError(400, "?log_lines=" + value + " is invalid: give a whole number from 1 to " + call.limits.maxLogLines());
      }
    }).orElse(call.limits.defaultLogLines());
    if (lines > call.limits.maxLogLines()) {
      throw new HttpError(400, "?log_lines=" + lines + " is over this server's limit of " + call.limits.maxLogLines() + " lines");
    }
    List<String> log = call.session().logs(call.app(), lines);
    if (log.isEmpty()) {
      return Reply.noContent();
    }
    return Reply.text(String.join("\n", log) + "\n");
  }

  /** {@code [rc, output]}: the v1 client reads exactly a number and a string. */
  private static Reply run(Call call) {
    String command = call.body().requiredString("command");
    RunResult result = call.session().run(call.app(), command);
    ArrayNode reply = Views.array().add(result.exitCode()).add(result.output());
    return Reply.ok(reply);
  }
}
