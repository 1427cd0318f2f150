package io.deis.error;

/** Source could not be turned into a build: a malformed Procfile, a failed docker build, a missing image. */
public class BuildException extends InvalidInputException {
  public BuildException(String message) {
    super(message);
  }
}
