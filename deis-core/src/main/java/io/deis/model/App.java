package io.deis.model;

import java.time.Instant;

/**
 * A deployed application.
 *
 * @param structure the formation the owner asked for (Deis's {@code structure}); what runs may lag
 *     behind while a deploy is under way
 */
public record App(AppName name, String owner, Instant created, Formation structure) {
  public App withStructure(Formation newStructure) {
    return new App(name, owner, created, newStructure);
  }

  public App withOwner(String newOwner) {
    return new App(name, newOwner, created, structure);
  }
}
