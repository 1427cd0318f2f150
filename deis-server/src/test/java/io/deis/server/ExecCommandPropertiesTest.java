package io.deis.server;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The git server's exec-request parser, fed 10,000 generated requests (git's own forms, mangled
 * ones, paths that try to leave the repositories, anything at all, null): it never throws, it
 * serves only receive-pack and upload-pack of a bare app name, and a refusal quotes little.
 */
class ExecCommandPropertiesTest {
  @Provide
  Arbitrary<String> requests() {
    Arbitrary<String> verbs = Arbitraries.of("git-receive-pack", "git-upload-pack", "git receive-pack", "git-upload-archive",
        "scp", "git-receive-pack;", "", "sh -c");
    Arbitrary<String> paths = Arbitraries.oneOf(
        Arbitraries.strings().withChars("abc09-./~'\"\\ \n;$`").ofMaxLength(30),
        Arbitraries.of("'/app.git'", "'app.git'", "'/app'", "'~/app.git'", "'../x.git'", "'/etc/passwd'", "'app.git/../..'",
            "'/app.git'; rm -rf /", "'/a'b'"),
        Arbitraries.strings().ofMaxLength(40));
    Arbitrary<String> commands = Combinators.combine(verbs, paths).as((v, p) -> v + " " + p);
    return Arbitraries.oneOf(commands, Arbitraries.strings().ofMaxLength(2000)).injectNull(0.02);
  }

  @Property(tries = 10_000)
  void anExecRequestIsAGitCommandOnAnAppOrARefusalNeverAnException(@ForAll("requests") String request) {
    GitCommandFactory.Request parsed = GitCommandFactory.parse(request);
    if (parsed.refusal().isPresent()) {
      assertThat(parsed.refusal().get()).isNotBlank().hasSizeLessThan(400);
      assertThat(parsed.kind()).isNull();
    } else {
      assertThat(parsed.kind()).isNotNull();
      assertThat(parsed.app().value()).matches("[a-z][a-z0-9-]{0,63}");
      assertThat(request).startsWith("git").contains(parsed.app().value());
      assertThat(request).doesNotContain("..").doesNotContain(";");
    }
  }
}
