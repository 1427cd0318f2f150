package io.deis.controller;

import java.security.SecureRandom;
import java.util.List;
import java.util.function.Predicate;

/** Deis's generated app names: a six-letter adjective and an eight-letter noun, such as {@code violet-valkyrie}. */
final class AppNames {
  private static final List<String> ADJECTIVES = List.of(
      "ablaze", "bright", "brassy", "breezy", "cosmic", "craggy", "dapper", "daring", "dreamy", "dusted",
      "earthy", "elated", "fabled", "feisty", "frosty", "gentle", "gilded", "golden", "hearty", "hidden",
      "humble", "jovial", "lively", "lovely", "lucent", "mellow", "mighty", "modest", "nimble", "noble",
      "peachy", "placid", "plucky", "polite", "primal", "quirky", "rugged", "rustic", "serene", "silver",
      "sleepy", "snappy", "solemn", "stable", "sturdy", "sunlit", "superb", "tender", "timely", "trusty",
      "unisex", "upbeat", "urbane", "velvet", "violet", "vivid", "wintry", "woolen", "yellow", "zealous");
  private static final List<String> NOUNS = List.of(
      "aardvark", "airfield", "backpack", "baritone", "bluebird", "buckshot", "campfire", "cardinal", "carriage",
      "chestnut", "dinosaur", "dolphins", "dragster", "driftwood", "dumpling", "elephant", "evergreen", "farmland",
      "flamingo", "gardener", "goldfish", "hallmark", "hedgehog", "huntress", "keyboard", "kingfish", "lemonade",
      "lighthouse", "magazine", "mariachi", "meadow", "moonbeam", "mountain", "notebook", "nugget", "outfield",
      "paintbox", "pancake", "pinwheel", "raincoat", "redwood", "riverbed", "sailboat", "sandwich", "seashell",
      "skylight", "snowfall", "starfish", "sunbeam", "teaspoon", "tortoise", "treetops", "valkyrie", "waxworks",
      "windmill", "woodland", "yearbook", "zeppelin", "zucchini", "wildfire");
  private static final SecureRandom RANDOM = new SecureRandom();

  private AppNames() {}

  /** A readable name that {@code taken} does not reject; digits are added only if hundreds of draws collide. */
  static String generate(Predicate<String> taken) {
    for (int attempt = 0; attempt < 500; attempt++) {
      String name = draw();
      if (!taken.test(name)) {
        return name;
      }
    }
    while (true) {
      String name = draw() + "-" + (1000 + RANDOM.nextInt(9000));
      if (!taken.test(name)) {
        return name;
      }
    }
  }

  private static String draw() {
    return ADJECTIVES.get(RANDOM.nextInt(ADJECTIVES.size())) + "-" + NOUNS.get(RANDOM.nextInt(NOUNS.size()));
  }
}
