package io.deis.server.api;

import io.deis.error.InvalidInputException;

/** Bad input in one field of a request body: answered 400 as {@code {"<field>": ["<message>"]}}, Django REST framework's shape. */
final class FieldError extends InvalidInputException {
  private final String field;

  FieldError(String field, String message) {
    super(message);
    this.field = field;
  }

  String field() {
    return field;
  }
}
