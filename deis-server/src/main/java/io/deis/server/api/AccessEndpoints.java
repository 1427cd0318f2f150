package io.deis.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.deis.model.User;
import java.util.List;

/** Keys ({@code /v1/keys/}), sharing ({@code /v1/apps/<app>/perms/}), administrators ({@code /v1/admin/perms/}) and users. */
final class AccessEndpoints {
  private AccessEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("GET", "keys", call -> call.page(call.session().keys(), Views::key)));
    routes.add(new Route("POST", "keys", call -> {
      String id = call.body().string("id").orElse("");
      String publicKey = call.body().requiredString("public");
      return Reply.created(Views.key(call.asField("public", () -> call.session().addKey(id, publicKey))));
    }).accepts("id", "public"));
    routes.add(new Route("DELETE", "keys/{id}", call -> {
      call.session().removeKey(call.param("id"));
      return Reply.noContent();
    }));

    routes.add(new Route("GET", "apps/{app}/perms", call -> {
      ArrayNode users = Views.array();
      call.session().collaborators(call.app()).stream().sorted().forEach(users::add);
      return Reply.ok(Views.object().set("users", users));
    }));
    routes.add(new Route("POST", "apps/{app}/perms", call -> {
      call.session().share(call.app(), call.body().requiredString("username"));
      return Reply.empty(201);
    }).accepts("username"));
    routes.add(new Route("DELETE", "apps/{app}/perms/{user}", call -> {
      call.session().unshare(call.app(), call.param("user"));
      return Reply.noContent();
    }));

    routes.add(new Route("GET", "admin/perms", call -> call.page(call.session().administrators(),
        u -> Views.object().put("username", u.username()).put("is_superuser", true))));
    routes.add(new Route("POST", "admin/perms", call -> {
      call.session().setAdmin(call.body().requiredString("username"), true);
      return Reply.empty(201);
    }).accepts("username"));
    routes.add(new Route("DELETE", "admin/perms/{user}", call -> {
      call.session().setAdmin(call.param("user"), false);
      return Reply.noContent();
    }));

    routes.add(new Route("GET", "users", call -> {
      List<User> users = call.session().users();
      return call.page(users, u -> Views.user(u, users.indexOf(u) + 1));
    }));
  }
}
