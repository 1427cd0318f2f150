package io.deis.store.jdbc;

import java.nio.file.Path;

/** Opens the H2 store of a data directory and prints how it went: for the test that a second process is refused. */
public final class OpenH2Child {
  private OpenH2Child() {}

  public static void main(String[] args) {
    try (JdbcStore store = JdbcStore.h2(Path.of(args[0]))) {
      System.out.println("opened " + store.installation());
    } catch (RuntimeException e) {
      System.out.println("refused: " + e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
