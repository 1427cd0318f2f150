package io.deis.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.ConflictException;
import io.deis.error.InvalidInputException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.util.Fields;

/** One request as an endpoint sees it: the caller's session, the path parameters, the query and the body. */
final class Call {
  final Controller controller;
  final Limits limits;
  final ObjectMapper mapper;
  private final Optional<Session> session;
  private final Map<String, String> params;
  private final Fields query;
  private final Body body;
  private final HttpURI uri;
  private final String endpoint;

  Call(Controller controller, Limits limits, ObjectMapper mapper, Optional<Session> session, Map<String, String> params,
      Fields query, Body body, HttpURI uri, String endpoint) {
    this.controller = controller;
    this.limits = limits;
    this.mapper = mapper;
    this.session = session;
    this.params = params;
    this.query = query;
    this.body = body;
    this.uri = uri;
    this.endpoint = endpoint;
  }

  /** The caller's session; every route that is not {@link Route#open} has one. */
  Session session() {
    return session.orElseThrow(() -> new IllegalStateException(endpoint + " was reached without a session"));
  }

  /** The caller's session on an open route, when a valid token came with the request. */
  Optional<Session> optionalSession() {
    return session;
  }

  Body body() {
    return body;
  }

  String param(String name) {
    String value = params.get(name);
    if (value == null) {
      throw new IllegalStateException(endpoint + " has no path parameter " + name);
    }
    return value;
  }

  /** The app id in the path. */
  String app() {
    return param("app");
  }

  Optional<String> query(String name) {
    return Optional.ofNullable(query.getValue(name));
  }

  /**
   * Runs {@code work}, turning bad input and uniqueness conflicts into errors of {@code field}, as
   * the original's serializers reported them ({@code {"id": ["This field must be unique."]}}, 400).
   */
  <T> T asField(String field, Supplier<T> work) {
    try {
      return work.get();
    } catch (FieldError e) {
      throw e;
    } catch (InvalidInputException | ConflictException e) {
      throw new FieldError(field, e.getMessage());
    }
  }

  /**
   * One page of {@code items} in Django REST framework's envelope: {@code count} (all items),
   * {@code next}, {@code previous} and {@code results}. {@code ?page_size=} is bounded by the
   * server's largest page; {@code ?page=} counts from 1.
   */
  <T> Reply page(List<T> items, Function<T, JsonNode> view) {
    int size = positive("page_size", limits.defaultPageSize());
    size = Math.min(size, limits.maxPageSize());
    int page = positive("page", 1);
    int pages = Math.max(1, (items.size() + size - 1) / size);
    if (page > pages) {
      throw new HttpError(404, "Invalid page: page " + page + " is past the last page, " + pages);
    }
    int from = (page - 1) * size;
    ArrayNode results = Views.array();
    items.subList(from, Math.min(items.size(), from + size)).forEach(item -> results.add(view.apply(item)));
    ObjectNode o = Views.object();
    o.put("count", items.size());
    if (page < pages) {
      o.put("next", pageUrl(page + 1, size));
    } else {
      o.putNull("next");
    }
    if (page > 1) {
      o.put("previous", pageUrl(page - 1, size));
    } else {
      o.putNull("previous");
    }
    o.set("results", results);
    return Reply.ok(o);
  }

  private int positive(String name, int otherwise) {
    Optional<String> value = query(name);
    if (value.isEmpty() || value.get().isEmpty()) {
      return otherwise;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new HttpError(400, "?" + name + "=" + value.get() + " is invalid: give a whole number, 1 or more");
  }

  private String pageUrl(int page, int size) {
    return HttpURI.build(uri).query("page=" + page + "&page_size=" + size).asString();
  }
}
