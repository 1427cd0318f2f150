package io.deis.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.deis.build.BuildSource;
import io.deis.error.DeisException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every parser and validator of the model, fed 10,000 generated inputs each (mostly near-valid,
 * some anything at all, some null): it either accepts the input or throws a {@link DeisException}
 * with a message, never another exception, and a message never quotes a config value. Parsers are
 * functions of their input, so a refused input changes nothing by construction; the controller's
 * properties check that for the operations that store what they parse.
 */
class ParserPropertiesTest {
  static final int TRIES = 10_000;

  /** Runs a parser: it returns a value, or refuses with a DeisException that has a message. */
  static <T> Optional<T> parsedOrRefused(Supplier<T> parse) {
    try {
      return Optional.of(parse.get());
    } catch (DeisException e) {
      assertThat(e.getMessage()).as("the message of " + e.getClass().getSimpleName()).isNotBlank();
      assertThat(e.getMessage().length()).as("a message quotes a little of its input at most").isLessThan(1000);
      return Optional.empty();
    }
  }

  /** Strings from an alphabet that makes valid input likely, mixed with any text at all, and null. */
  static Arbitrary<String> nearly(String alphabet, int maxLength) {
    return Arbitraries.oneOf(
        Arbitraries.strings().withChars(alphabet).ofMaxLength(maxLength),
        Arbitraries.strings().ofMaxLength(maxLength * 2),
        Arbitraries.strings().all().ofMaxLength(maxLength)).injectNull(0.02);
  }

  @Provide
  Arbitrary<String> appNames() {
    return nearly("abcxyz0129-AZ_. ", 70);
  }

  @Property(tries = TRIES)
  void appNames(@ForAll("appNames") String name) {
    parsedOrRefused(() -> AppName.of(name)).ifPresent(app -> {
      assertThat(app.value()).matches("[a-z][a-z0-9-]{0,63}");
      assertThat(AppName.of(app.value())).isEqualTo(app);
    });
  }

  @Provide
  Arbitrary<String> processTypes() {
    return nearly("abwebWEB019_-: ", 70);
  }

  @Property(tries = TRIES)
  void processTypes(@ForAll("processTypes") String type) {
    parsedOrRefused(() -> ProcessType.of(type)).ifPresent(t -> assertThat(t.value()).matches("[a-z0-9_-]{1,63}"));
  }

  @Provide
  Arbitrary<String> formations() {
    return nearly("web=worker 0123456789,-= \t", 60);
  }

  @Property(tries = TRIES)
  void formations(@ForAll("formations") String text) {
    parsedOrRefused(() -> Formation.parse(text)).ifPresent(f -> {
      assertThat(f.counts().values()).allSatisfy(n -> assertThat(n).isNotNegative());
      assertThat(f.total()).isNotNegative(); // never overflows to a small or negative number
      assertThat(Formation.parse(f.toString().isEmpty() ? "web=0" : f.toString()).counts()).containsAllEntriesOf(f.counts());
    });
  }

  @Provide
  Arbitrary<String> configKeys() {
    return nearly("ABC_xyz09 -=", 300);
  }

  /** A config value: any text, often with a marker inside so that an echo could be seen, sometimes with a NUL or a lone surrogate. */
  @Provide
  Arbitrary<String> configValues() {
    Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(200);
    Arbitrary<String> marked = any.map(s -> "SeCrEt-" + s + "-SeCrEt");
    Arbitrary<String> broken = any.map(s -> "SeCrEt-" + s + (s.length() % 2 == 0 ? "\0" : "\uD800") + "-SeCrEt");
    Arbitrary<String> long_ = Arbitraries.integers().between(100_000, 200_000).map(n -> "SeCrEt" + "v".repeat(n));
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(4, marked), net.jqwik.api.Tuple.of(3, broken), net.jqwik.api.Tuple.of(2, any),
        net.jqwik.api.Tuple.of(1, long_)).injectNull(0.02);
  }

  @Property(tries = TRIES)
  void configKeysAndValues(@ForAll("configKeys") String key, @ForAll("configValues") String value) {
    try {
      ConfigChange change = ConfigChange.builder().set(key, value).build();
      Config applied = Config.empty("u", "tester", Instant.EPOCH).apply(change, "v", "tester", Instant.EPOCH);
      assertThat(applied.values()).containsEntry(key, value);
      assertThat(value).doesNotContain("\0");
      assertThat(value.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(Config.MAX_VALUE_BYTES);
      assertThat(applied.toString()).doesNotContain("SeCrEt");
      assertThat(change.toString()).doesNotContain("SeCrEt");
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank();
      if (value != null && value.length() >= 16) {
        assertThat(e.getMessage()).as("a message names the key, never the value").doesNotContain(value).doesNotContain("SeCrEt");
      }
    }
  }

  @Provide
  Arbitrary<String> memoryLimits() {
    return nearly("0123456789BKMGbkmg ", 30);
  }

  @Property(tries = TRIES)
  void memoryLimits(@ForAll("memoryLimits") String limit) {
    parsedOrRefused(() -> MemoryLimit.parse(limit)).ifPresent(m -> {
      assertThat(m.bytes()).isBetween(MemoryLimit.MIN_BYTES, MemoryLimit.MAX_BYTES);
      assertThat(parsedOrRefused(() -> ConfigChange.builder().memory(ProcessType.WEB, limit).build())).isPresent();
    });
  }

  @Property(tries = TRIES)
  void cpuLimitsAndTags(@ForAll int shares, @ForAll("tagParts") String tagKey, @ForAll("tagParts") String tagValue) {
    parsedOrRefused(() -> ConfigChange.builder().cpu(ProcessType.WEB, shares).build())
        .ifPresent(c -> assertThat(shares).isBetween(0, Config.MAX_CPU_SHARES));
    parsedOrRefused(() -> ConfigChange.builder().tag(tagKey, tagValue).build())
        .ifPresent(c -> assertThat(tagKey.length() + tagValue.length()).isLessThanOrEqualTo(2 * Config.MAX_TAG_LENGTH));
  }

  @Provide
  Arbitrary<String> tagParts() {
    return nearly("abcXYZ09_ -", 80);
  }

  /** Settings near the valid forms; some carry a marker, which no message may show. */
  @Provide
  Arbitrary<String> healthCheckValues() {
    Arbitrary<String> near = nearly("0123456789./healthz -eE+", 16);
    return Arbitraries.oneOf(near, near.map(v -> (v == null ? "" : v) + "SeCrEt"));
  }

  @Property(tries = TRIES)
  void healthCheckSettings(@ForAll("healthCheckValues") String url, @ForAll("healthCheckValues") String timeout,
      @ForAll("healthCheckValues") String delay) {
    Map<String, Optional<String>> values = new java.util.HashMap<>();
    values.put(HealthCheck.URL_KEY, Optional.ofNullable(url));
    values.put(HealthCheck.TIMEOUT_KEY, Optional.ofNullable(timeout));
    values.put(HealthCheck.INITIAL_DELAY_KEY, Optional.ofNullable(delay));
    try {
      ConfigChange.Builder change = ConfigChange.builder();
      values.forEach((k, v) -> v.ifPresent(text -> change.set(k, text)));
      Config config = Config.empty("u", "t", Instant.EPOCH).apply(change.build(), "v", "t", Instant.EPOCH);
      config.healthCheck().ifPresent(h -> {
        assertThat(h.timeout()).isPositive().isLessThanOrEqualTo(java.time.Duration.ofSeconds(HealthCheck.MAX_SECONDS));
        assertThat(h.initialDelay().isNegative()).isFalse();
        assertThat(h.initialDelay()).isLessThanOrEqualTo(java.time.Duration.ofSeconds(HealthCheck.MAX_SECONDS));
        assertThat(h.toString()).doesNotContain(h.path());
      });
    } catch (DeisException e) {
      assertThat(e.getMessage()).isNotBlank().doesNotContain("SeCrEt");
      for (Optional<String> v : values.values()) {
        // Short values may match the message's own words by chance; the marker covers them.
        v.filter(text -> text.length() >= 16).ifPresent(text -> assertThat(e.getMessage()).doesNotContain(text));
      }
    }
  }

  @Provide
  Arbitrary<String> procfiles() {
    Arbitrary<String> lines = Arbitraries.oneOf(
        Arbitraries.strings().withChars("webWorker_-0: ").ofMaxLength(12).map(t -> t + ": exec ./server"),
        Arbitraries.strings().withChars("#: \t\r\n\0abc").ofMaxLength(20),
        Arbitraries.strings().ofMaxLength(40));
    return lines.list().ofMaxSize(8).map(l -> String.join("\n", l)).injectNull(0.02);
  }

  @Property(tries = TRIES)
  void procfiles(@ForAll("procfiles") String text) {
    parsedOrRefused(() -> Procfile.parse(text)).ifPresent(p -> p.commands().forEach((type, command) -> {
      assertThat(command).isNotBlank().doesNotContain("\0");
      assertThat(type.value()).hasSizeLessThanOrEqualTo(ProcessType.MAX_LENGTH);
    }));
  }

  @Provide
  Arbitrary<String> sshKeys() {
    Arbitrary<String> type = Arbitraries.of("ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ssh-dss", "");
    Arbitrary<byte[]> blob = Arbitraries.bytes().array(byte[].class).ofMaxSize(120);
    Arbitrary<String> real = Arbitraries.of(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPcS38myDO7dQX1CL3jWgGJ3ZTOzJafjRjNa12CCMULK test@deis");
    Arbitrary<String> made = net.jqwik.api.Combinators.combine(type, blob, Arbitraries.strings().ofMaxLength(20))
        .as((t, b, c) -> t + " " + Base64.getEncoder().encodeToString(b) + " " + c);
    Arbitrary<String> mutated = real.flatMap(k -> Arbitraries.integers().between(0, k.length() - 1)
        .flatMap(i -> Arbitraries.chars().map(ch -> k.substring(0, i) + ch + k.substring(i + 1))));
    return Arbitraries.oneOf(made, mutated, real, Arbitraries.strings().ofMaxLength(200)).injectNull(0.02);
  }

  @Property(tries = TRIES)
  void sshPublicKeys(@ForAll("sshKeys") String text) {
    parsedOrRefused(() -> SshPublicKey.parse(text)).ifPresent(k -> {
      assertThat(SshPublicKey.TYPES).contains(k.type());
      assertThat(SshPublicKey.parse(k.toOpenSsh())).isEqualTo(k);
    });
  }

  @Provide
  Arbitrary<String> imageReferences() {
    return nearly("abc09._-/:@sha256DEIS ", 80);
  }

  @Property(tries = TRIES)
  void imageReferences(@ForAll("imageReferences") String reference) {
    parsedOrRefused(() -> new BuildSource.Image(reference, Procfile.EMPTY))
        .ifPresent(i -> assertThat(i.reference()).hasSizeLessThanOrEqualTo(BuildSource.Image.MAX_REFERENCE_LENGTH)
            .doesNotContainAnyWhitespaces());
  }

  @Provide
  Arbitrary<String> domains() {
    return nearly("abcXYZ09-.*_ ", 80);
  }

  @Property(tries = TRIES)
  void domains(@ForAll("domains") String domain) {
    parsedOrRefused(() -> Domain.check(domain)).ifPresent(d -> assertThat(d).hasSizeLessThanOrEqualTo(Domain.MAX_LENGTH).doesNotContain("*"));
  }

  @Provide
  Arbitrary<String> usernamesAndEmails() {
    return nearly("abcXYZ09@.+_- \n", 200);
  }

  @Property(tries = TRIES)
  void usernamesAndEmails(@ForAll("usernamesAndEmails") String name, @ForAll("usernamesAndEmails") String email) {
    parsedOrRefused(() -> new User(name, email, false, Instant.EPOCH)).ifPresent(u -> {
      assertThat(u.username()).hasSizeBetween(1, 150);
      assertThat(u.email()).hasSizeLessThanOrEqualTo(User.MAX_EMAIL_LENGTH);
    });
  }

  @Provide
  Arbitrary<String> pems() {
    String body = "MIIBszCCAVmgAwIBAgIUZ";
    Arbitrary<String> framed = Arbitraries.strings().withChars("ABCabc+/=0123456789\n -").ofMaxLength(120)
        .map(s -> "-----BEGIN CERTIFICATE-----\n" + body + s + "\n-----END CERTIFICATE-----\n");
    Arbitrary<String> keyFramed = Arbitraries.strings().withChars("ABCabc+/=0123456789\n").ofMaxLength(120)
        .map(s -> "-----BEGIN PRIVATE KEY-----\n" + s + "\n-----END PRIVATE KEY-----\n");
    return Arbitraries.oneOf(framed, keyFramed, Arbitraries.strings().ofMaxLength(300)).injectNull(0.02);
  }

  @Property(tries = TRIES)
  void certificatePems(@ForAll("pems") String certificate, @ForAll("pems") String key, @ForAll("domains") String name) {
    parsedOrRefused(() -> Certificate.parse(certificate, key, Optional.ofNullable(name), "tester", Instant.EPOCH));
    try {
      Certificate.parse(certificate, key, Optional.ofNullable(name), "tester", Instant.EPOCH);
    } catch (DeisException e) {
      if (key != null && key.length() > 40) {
        assertThat(e.getMessage()).as("the key is never quoted").doesNotContain(key.substring(28, 40));
      }
    }
  }
}
