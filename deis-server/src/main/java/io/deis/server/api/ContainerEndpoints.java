package io.deis.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.deis.model.Container;
import io.deis.model.Formation;
import io.deis.model.ProcessType;
import io.deis.scheduler.ContainerFilter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** {@code /v1/apps/<app>/containers/} and {@code scale/}: ps, scale and restart. */
final class ContainerEndpoints {
  private ContainerEndpoints() {}

  static void addTo(List<Route> routes) {
    routes.add(new Route("GET", "apps/{app}/containers", call -> list(call, ContainerFilter.all())));
    routes.add(new Route("POST", "apps/{app}/containers/restart", call -> restart(call, ContainerFilter.all())));
    routes.add(new Route("GET", "apps/{app}/containers/{type}", call -> list(call, ContainerFilter.type(type(call)))));
    routes.add(new Route("POST", "apps/{app}/containers/{type}/restart",
        call -> restart(call, ContainerFilter.type(type(call)))));
    routes.add(new Route("GET", "apps/{app}/containers/{type}/{num}", ContainerEndpoints::one));
    routes.add(new Route("POST", "apps/{app}/containers/{type}/{num}/restart",
        call -> restart(call, ContainerFilter.one(type(call), num(call)))));
    routes.add(new Route("POST", "apps/{app}/scale", ContainerEndpoints::scale).acceptsAnyField());
  }

  private static Reply list(Call call, ContainerFilter filter) {
    String owner = call.session().app(call.app()).owner();
    return call.page(call.session().ps(call.app(), filter), c -> Views.container(c, owner));
  }

  private static Reply one(Call call) {
    String owner = call.session().app(call.app()).owner();
    List<Container> found = call.session().ps(call.app(), ContainerFilter.one(type(call), num(call)));
    if (found.isEmpty()) {
      throw new HttpError(404, "container " + call.app() + "." + call.param("type") + "." + call.param("num") + " does not exist");
    }
    return Reply.ok(Views.container(found.get(0), owner));
  }

  /** 200 with the restarted containers: the client requires the array. */
  private static Reply restart(Call call, ContainerFilter filter) {
    String owner = call.session().app(call.app()).owner();
    ArrayNode restarted = Views.array();
    call.session().restart(call.app(), filter).forEach(c -> restarted.add(Views.container(c, owner)));
    return Reply.ok(restarted);
  }

  /** A flat {@code {"web": 3, "worker": 1}}; counts may be digit strings, as in the original. */
  private static Reply scale(Call call) {
    Map<ProcessType, Integer> counts = new TreeMap<>();
    for (Map.Entry<String, JsonNode> e : call.body().fields().entrySet()) {
      counts.put(ProcessType.of(e.getKey()), count(e.getKey(), e.getValue()));
    }
    call.session().scale(call.app(), new Formation(counts));
    return Reply.noContent();
  }

  private static int count(String type, JsonNode value) {
    if (value.isInt()) {
      return value.intValue();
    }
    if (value.isTextual() && value.textValue().matches("-?[0-9]{1,9}")) {
      return Integer.parseInt(value.textValue());
    }
    String literal = value.isTextual() ? value.textValue() : value.toString();
    throw new io.deis.error.InvalidInputException("Invalid scaling format: invalid literal for int() with base 10: '" + literal
        + "' (the count of " + type + " must be a whole number, 0 or more)");
  }

  private static ProcessType type(Call call) {
    return ProcessType.of(call.param("type"));
  }

  private static int num(Call call) {
    String num = call.param("num");
    if (!num.matches("[0-9]{1,9}")) {
      throw new HttpError(404, "container " + call.app() + "." + call.param("type") + "." + num
          + " does not exist: containers are numbered 1, 2, ...");
    }
    return Integer.parseInt(num);
  }
}
