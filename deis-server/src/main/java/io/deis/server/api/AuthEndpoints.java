package io.deis.server.api;

import io.deis.controller.Session;
import io.deis.error.AuthenticationException;
import io.deis.model.User;
import java.util.List;
import java.util.Optional;

/** {@code /v1/auth/}: register, login, cancel, passwd and tokens. */
final class AuthEndpoints {
  private AuthEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("POST", "auth/register", AuthEndpoints::register).open().rateLimited()
        .accepts("username", "password", "email", "first_name", "last_name"));
    routes.add(new Route("POST", "auth/login", AuthEndpoints::login).open().rateLimited().slashRequired()
        .accepts("username", "password"));
    routes.add(new Route("DELETE", "auth/cancel", AuthEndpoints::cancel).accepts("username"));
    routes.add(new Route("POST", "auth/passwd", AuthEndpoints::passwd).accepts("username", "password", "new_password"));
    routes.add(new Route("POST", "auth/tokens", AuthEndpoints::tokens).slashRequired().accepts("username", "all"));
  }

  /**
   * Anyone may register while the controller's registration mode allows it; with a token, the
   * caller registers the user (an administrator in ADMIN_ONLY mode). first_name and last_name
   * are accepted for the client's sake and not kept.
   */
  private static Reply register(Call call) {
    Body body = call.body();
    String username = body.requiredString("username");
    String password = body.requiredString("password");
    String email = body.string("email").orElse("");
    body.string("first_name");
    body.string("last_name");
    Optional<Session> by = call.optionalSession();
    User user = call.asField("username", () -> by.isPresent()
        ? by.get().register(username, password, email)
        : call.controller.register(username, password, email));
    return Reply.created(Views.userWithoutId(user));
  }

  private static Reply login(Call call) {
    String username = call.body().requiredString("username");
    String password = call.body().requiredString("password");
    try {
      String token = call.controller.login(username, password).token().orElseThrow();
      return Reply.ok(Views.object().put("token", token));
    } catch (AuthenticationException e) {
      throw new FieldError("non_field_errors", e.getMessage()); // the original answered a failed login with 400
    }
  }

  /** Deletes the caller's account, or with {@code username} another user's (administrators). */
  private static Reply cancel(Call call) {
    Optional<String> username = call.body().string("username");
    if (username.isPresent()) {
      call.session().deleteUser(username.get());
    } else {
      call.session().deleteAccount();
    }
    return Reply.noContent();
  }

  /**
   * Changes the caller's password given the current one; without it, or for another user, sets it
   * (administrators only; the controller decides).
   */
  private static Reply passwd(Call call) {
    Body body = call.body();
    String newPassword = body.requiredString("new_password");
    Optional<String> current = body.string("password");
    Session me = call.session();
    String target = body.string("username").orElse(me.user().username());
    if (current.isPresent() && target.equals(me.user().username())) {
      me.changePassword(current.get(), newPassword);
    } else {
      me.setPassword(target, newPassword);
    }
    return Reply.ok(Views.object().put("status", "password set"));
  }

  /** A new token for the caller, for {@code username} (administrators), or for everyone with {@code all} (administrators). */
  private static Reply tokens(Call call) {
    Body body = call.body();
    if (body.flag("all")) {
      call.session().regenerateAllTokens();
      return Reply.ok(Views.object());
    }
    Optional<String> username = body.string("username");
    String token = username.isPresent() ? call.session().regenerateToken(username.get()) : call.session().regenerateToken();
    return Reply.ok(Views.object().put("token", token));
  }
}
