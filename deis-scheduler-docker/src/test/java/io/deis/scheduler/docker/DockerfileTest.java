package io.deis.scheduler.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.deis.error.BuildException;
import org.junit.jupiter.api.Test;

/** Every way a Dockerfile names an image or a URL is found, as Docker's builder reads it. */
class DockerfileTest {
  @Test
  void fromAndCopyFromNameImagesButNotStagesOrScratch() {
    Dockerfile d = Dockerfile.parse("""
        FROM --platform=linux/amd64 builder-image:1 AS build
        RUN make
        FROM scratch
        from runtime-image
        COPY --from=build /out /app
        COPY --from=0 /out /app
        copy --chown=1:1 --from=helper:2 /x /y
        COPY --from=BUILD /out /again
        """);

    assertThat(d.images()).extracting(Dockerfile.ImageUse::image, Dockerfile.ImageUse::instruction, Dockerfile.ImageUse::line)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("builder-image:1", "FROM", 1),
            org.assertj.core.groups.Tuple.tuple("runtime-image", "FROM", 4),
            org.assertj.core.groups.Tuple.tuple("helper:2", "COPY --from", 7));
  }

  @Test
  void continuationsCommentsAndTheEscapeDirectiveAreReadAsDockerDoes() {
    Dockerfile d = Dockerfile.parse("""
        # escape=`
        FROM `
          # a comment inside the instruction
          first:1
        COPY `
          --from=second:2 C:\\x C:\\y
        """);
    assertThat(d.images()).extracting(Dockerfile.ImageUse::image).containsExactly("first:1", "second:2");

    Dockerfile backslash = Dockerfile.parse("FROM \\\n    third:3 \\\n    AS t\nCOPY --from=t /a /b\n");
    assertThat(backslash.images()).extracting(Dockerfile.ImageUse::image).containsExactly("third:3");
  }

  @Test
  void globalArgDefaultsAreResolvedInFromAndAnythingUndecidableIsRefused() {
    Dockerfile d = Dockerfile.parse("ARG BASE=deis-jvm/abc123def456/other\nARG TAG=v3\nFROM ${BASE}:$TAG\n");
    assertThat(d.images()).extracting(Dockerfile.ImageUse::image).containsExactly("deis-jvm/abc123def456/other:v3");

    assertThatThrownBy(() -> Dockerfile.parse("ARG BASE\nFROM $BASE\n"))
        .isInstanceOf(BuildException.class)
        .hasMessage("FROM $BASE on line 2 of the Dockerfile uses $BASE, which has no default: declare ARG BASE=<image> "
            + "before the first FROM, or name the image itself");
    assertThatThrownBy(() -> Dockerfile.parse("FROM ${BASE:-busybox}\n"))
        .isInstanceOf(BuildException.class).hasMessageContaining("uses a variable form this builder does not resolve");
    assertThatThrownBy(() -> Dockerfile.parse("FROM a\nCOPY --from=$X /a /b\n"))
        .isInstanceOf(BuildException.class).hasMessageContaining("COPY --from=$X on line 2 of the Dockerfile uses a variable");
    assertThatThrownBy(() -> Dockerfile.parse("FROM\n"))
        .isInstanceOf(BuildException.class).hasMessage("FROM on line 1 of the Dockerfile names no image");
  }

  @Test
  void addFromAUrlIsFoundInEveryForm() {
    Dockerfile d = Dockerfile.parse("""
        FROM base
        ADD local.tar /x
        ADD https://example.com/a.tar.gz /a
        ADD --chown=1:1 ["http://example.com/b", "/b"]
        add git@github.com:someone/repo.git /src
        ADD --checksum=sha256:00 ftp://example.com/c /c
        """);
    assertThat(d.remoteSources()).extracting(Dockerfile.RemoteSource::url, Dockerfile.RemoteSource::line).containsExactly(
        org.assertj.core.groups.Tuple.tuple("https://example.com/a.tar.gz", 3),
        org.assertj.core.groups.Tuple.tuple("http://example.com/b", 4),
        org.assertj.core.groups.Tuple.tuple("git@github.com:someone/repo.git", 5),
        org.assertj.core.groups.Tuple.tuple("ftp://example.com/c", 6));
  }

  @Test
  void onbuildTriggersAndRunMountsNameImagesToo() {
    Dockerfile d = Dockerfile.parse("""
        FROM base
        ONBUILD COPY --from=hidden:1 /secret /secret
        RUN --mount=type=bind,from=mounted:2,target=/m cat /m/x
        """);
    assertThat(d.images()).extracting(Dockerfile.ImageUse::image, Dockerfile.ImageUse::instruction)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("base", "FROM"),
            org.assertj.core.groups.Tuple.tuple("hidden:1", "COPY --from"),
            org.assertj.core.groups.Tuple.tuple("mounted:2", "RUN --mount from"));
  }
}
