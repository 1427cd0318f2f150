package io.deis.scheduler.k8s;

import io.deis.error.SchedulerException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Status;
import java.util.Optional;

/**
 * The two API groups the scheduler uses, and the one place where the client's checked
 * {@link ApiException} becomes a {@link SchedulerException} that says what was being done.
 */
final class KubeApi {
  static final int NOT_FOUND = 404;
  static final int CONFLICT = 409;

  final ApiClient client;
  final CoreV1Api core;
  final AppsV1Api apps;

  KubeApi(ApiClient client) {
    this.client = client;
    this.core = new CoreV1Api(client);
    this.apps = new AppsV1Api(client);
  }

  @FunctionalInterface
  interface Call<T> {
    T call() throws ApiException;
  }

  <T> T call(String what, Call<T> call) {
    try {
      return call.call();
    } catch (ApiException e) {
      throw error(what, e);
    }
  }

  /** The call's answer, or empty when the object (or its namespace) does not exist. */
  <T> Optional<T> callUnlessNotFound(String what, Call<T> call) {
    try {
      return Optional.ofNullable(call.call());
    } catch (ApiException e) {
      if (e.getCode() == NOT_FOUND) {
        return Optional.empty();
      }
      throw error(what, e);
    }
  }

  /** Creates an object; returns false when it exists already (HTTP 409), which callers treat as done. */
  boolean createUnlessExists(String what, Call<?> call) {
    try {
      call.call();
      return true;
    } catch (ApiException e) {
      if (e.getCode() == CONFLICT) {
        return false;
      }
      throw error(what, e);
    }
  }

  /**
   * Deletes an object; returns false when it was gone already. The answer's body is not parsed:
   * the API answers a delete with the object (while it terminates) or a Status (when it is gone),
   * and the generated client expects only one of the two.
   */
  boolean delete(String what, Call<okhttp3.Call> call) {
    try (okhttp3.Response response = call.call().execute()) {
      if (response.isSuccessful()) {
        return true;
      }
      if (response.code() == NOT_FOUND) {
        return false;
      }
      String body = response.body() == null ? "" : response.body().string();
      throw error(what, new ApiException(response.code(), response.headers().toMultimap(), body));
    } catch (ApiException e) {
      throw error(what, e);
    } catch (java.io.IOException e) {
      throw new SchedulerException("could not " + what + ": the Kubernetes API at " + client.getBasePath()
          + " did not answer (" + e.getMessage() + ")", e);
    }
  }

  SchedulerException error(String what, ApiException e) {
    return new SchedulerException("could not " + what + ": " + describe(e), e);
  }

  /** The API server's own message (from its Status body) when there is one; it names the object and the rule. */
  String describe(ApiException e) {
    if (e.getCode() == 0) {
      return "the Kubernetes API at " + client.getBasePath() + " did not answer (" + e.getMessage() + ")";
    }
    String message = null;
    try {
      if (e.getResponseBody() != null && !e.getResponseBody().isBlank()) {
        V1Status status = client.getJSON().deserialize(e.getResponseBody(), V1Status.class);
        message = status == null ? null : status.getMessage();
      }
    } catch (RuntimeException notStatus) {
      message = e.getResponseBody();
    }
    return "Kubernetes answered HTTP " + e.getCode() + (message == null ? "" : ": " + message);
  }
}
