package io.deis.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.deis.build.BuildSource;
import io.deis.local.LocalRuntime;
import io.deis.model.Build;
import io.deis.model.Config;
import io.deis.model.ConfigChange;
import io.deis.model.Container;
import io.deis.model.ProcessType;
import io.deis.model.Release;
import io.deis.scheduler.ContainerSpec;
import io.deis.scheduler.Labels;
import io.deis.scheduler.RunResult;
import io.deis.scheduler.RuntimeScheduler;
import io.deis.scheduler.contract.SchedulerContract;
import io.deis.store.InMemoryStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary secret, set as a config value, pushed through every path of the controller that
 * produces text: config changes, refused values, a failed deploy, a one-off run that fails and
 * one that times out, logs, audit events, exceptions with their causes and stack traces, the
 * toString of every model value that holds it, and everything logged through SLF4J meanwhile.
 * It must appear in none. The backends' share of this is {@code SchedulerContract}'s canary test.
 */
class SecretsNeverLeakTest {
  static final String CANARY = "canary-" + UUID.randomUUID();

  @TempDir
  Path tmp;
  Controller deis;
  List<AuditEvent> events;
  List<String> texts;
  Session alice;
  PrintStream stderr;
  ByteArrayOutputStream logged;

  @BeforeEach
  void setUp() {
    // slf4j-simple writes to System.err as it is when each line is logged: everything logged from here is read.
    stderr = System.err;
    logged = new ByteArrayOutputStream();
    System.setErr(new PrintStream(new TeeStream(logged, stderr), true, StandardCharsets.UTF_8));
    events = Collections.synchronizedList(new ArrayList<>());
    texts = new ArrayList<>();
    deis = Controller.builder().store(new InMemoryStore()).dataDirectory(tmp.resolve("data"))
        .scheduler(new RuntimeScheduler(new LocalRuntime(tmp.resolve("containers")), SchedulerContract.fastOptions()))
        .passwordHashIterations(1000).listener(events::add).build();
    deis.register("alice", "alice-password", "");
    alice = deis.login("alice", "alice-password");
  }

  @AfterEach
  void tearDown() {
    deis.close();
    System.setErr(stderr);
  }

  @Test
  void theCanaryAppearsInNoTextThePlatformProduces() {
    alice.createApp("vault");
    Path repo = tmp.resolve("repo");
    GitRepos.commit(repo, Map.of("Procfile", "worker: exec sleep 1000\ncrasher: exit 1\n"));
    alice.deploy("vault", BuildSource.commit(repo, "HEAD"));

    // Set, changed and kept: every release summary, event and log line names the key only.
    Release withSecret = alice.setConfig("vault", Map.of("API_KEY", CANARY, "HEALTHCHECK_URL", "/" + CANARY)).orElseThrow();
    alice.setConfig("vault", Map.of("API_KEY", CANARY + "-rotated"));
    alice.scale("vault", "worker=1");

    // Refused values that carry it.
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("BROKEN", CANARY + "\0"))));
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("HUGE", CANARY.repeat(2000)))));
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("HEALTHCHECK_TIMEOUT", CANARY))));
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("HEALTHCHECK_INITIAL_DELAY", CANARY))));
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("HEALTHCHECK_URL", CANARY))));
    texts(catchThrowable(() -> alice.setConfig("vault", Map.of("BAD", CANARY + "\uD800"))));
    texts(catchThrowable(() -> ConfigChange.builder().set("K", CANARY + "\0")));

    // A deploy that fails: the crasher's containers exit at once.
    texts(catchThrowable(() -> alice.scale("vault", "crasher=1")));
    // One-off runs that fail and time out.
    RunResult failed = alice.run("vault", "exit 3");
    texts.add(failed.toString());
    texts(catchThrowable(() -> alice.run("vault", "exec sleep 30", Duration.ofSeconds(1))));

    texts.addAll(alice.logs("vault", 1000));
    alice.releases("vault").forEach(r -> {
      texts.add(r.toString());
      texts.add(r.summary());
      r.failure().ifPresent(texts::add);
      texts.add(r.config().toString());
      r.config().healthCheck().ifPresent(h -> texts.add(h.toString()));
      r.build().ifPresent(b -> texts.add(b.toString()));
    });
    alice.ps("vault").forEach(c -> {
      texts.add(c.toString());
      texts.add(c.psLine());
    });
    texts.add(alice.app("vault").toString());
    texts.add(alice.config("vault").toString());
    texts.add(ConfigChange.builder().set("API_KEY", CANARY).unset("OTHER").build().toString());
    Build build = withSecret.build().orElseThrow();
    texts.add(new ContainerSpec("vault_v9.worker.1", Labels.forContainer(deis.installation(), withSecret.app(), 9, ProcessType.of("worker"), 1),
        ProcessType.of("worker"), build, Optional.of("exec sleep 1"), withSecret.config().values(), Optional.of("64M"), Optional.of(10))
        .toString());
    events.forEach(e -> {
      texts.add(e.toString());
      texts.add(e.message());
    });
    texts.add(logged.toString(StandardCharsets.UTF_8));

    assertThat(alice.config("vault").values()).containsEntry("API_KEY", CANARY + "-rotated"); // it was really there
    assertThat(texts).hasSizeGreaterThan(20).allSatisfy(text -> assertThat(text).doesNotContain(CANARY));
    assertThat(logged.toString(StandardCharsets.UTF_8)).as("what SLF4J logged").contains("alice added API_KEY, HEALTHCHECK_URL");
  }

  /** An exception's text as anyone could see it: its message, its causes', and its stack trace. */
  private void texts(Throwable e) {
    assertThat(e).as("a refusal was expected").isNotNull();
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    texts.add(trace.toString());
  }

  /** Writes to both streams: the test reads what is logged, and the build's output still shows it. */
  private static final class TeeStream extends java.io.OutputStream {
    private final java.io.OutputStream a;
    private final java.io.OutputStream b;

    TeeStream(java.io.OutputStream a, java.io.OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public synchronized void write(int c) throws java.io.IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }
  }
}
