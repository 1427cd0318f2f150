package io.deis.server.api;

import io.deis.controller.Controller;
import java.util.ArrayList;
import java.util.List;

/** Every route of the API, in the order they are matched (literal segments before parameters where both fit). */
final class Endpoints {
  private Endpoints() {}

  static List<Route> all(Controller controller) {
    List<Route> routes = new ArrayList<>();
    // The root answers 401 without a token: the v1 client's probe that it talks to a Deis controller.
    routes.add(new Route("GET", "", call -> Reply.ok(Views.object().put("api_version", ApiServer.API_VERSION)
        .put("username", call.session().user().username()))));
    AuthEndpoints.addTo(routes);
    AppEndpoints.addTo(routes);
    ReleaseEndpoints.addTo(routes);
    ContainerEndpoints.addTo(routes);
    AccessEndpoints.addTo(routes);
    DomainEndpoints.addTo(routes);
    return routes;
  }
}
