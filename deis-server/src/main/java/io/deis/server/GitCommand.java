package io.deis.server;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.AuthenticationException;
import io.deis.error.NotFoundException;
import io.deis.error.PermissionDeniedException;
import io.deis.model.App;
import io.deis.model.AppName;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.eclipse.jgit.errors.UnpackException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.UploadPack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code git-receive-pack} or {@code git-upload-pack} on an app's repository, run by JGit on
 * a worker thread. The key's owner is authenticated afresh and authorized for the app here, so a
 * key removed or a share revoked after the connection opened takes effect at once.
 */
final class GitCommand implements Command {
  private static final Logger log = LoggerFactory.getLogger(GitCommand.class);

  enum Kind { RECEIVE, UPLOAD }

  private final Kind kind;
  private final AppName appName;
  private final String fingerprint;
  private final Controller controller;
  private final Repositories repositories;
  private final ExecutorService workers;
  private final PushLimits pushLimits;
  private final ScheduledExecutorService watchdog;
  private ChannelSession channel;
  private InputStream in;
  private OutputStream out;
  private OutputStream err;
  private ExitCallback exit;
  private Future<?> running;

  GitCommand(Kind kind, AppName appName, String fingerprint, Controller controller, Repositories repositories, ExecutorService workers,
      PushLimits pushLimits, ScheduledExecutorService watchdog) {
    this.pushLimits = pushLimits;
    this.watchdog = watchdog;
    this.kind = kind;
    this.appName = appName;
    this.fingerprint = fingerprint;
    this.controller = controller;
    this.repositories = repositories;
    this.workers = workers;
  }

  @Override
  public void start(ChannelSession channel, Environment env) {
    this.channel = channel;
    String gitProtocol = env.getEnv().getOrDefault("GIT_PROTOCOL", "");
    running = workers.submit(() -> run(gitProtocol));
  }

  private void run(String gitProtocol) {
    int status = 1;
    try {
      Session pusher = controller.authenticateKey(fingerprint);
      App app = authorize(pusher);
      Path path = repositories.create(app.name());
      try (Repository repo = new FileRepositoryBuilder().setGitDir(path.toFile()).setMustExist(true).build()) {
        if (kind == Kind.RECEIVE) {
          receive(pusher, app, repo, path);
        } else {
          upload(repo, gitProtocol);
        }
      }
      status = 0;
    } catch (Refused e) {
      tell(e.getMessage());
    } catch (AuthenticationException e) {
      tell(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      tell("the git server is shutting down; push again in a moment");
    } catch (UnpackException e) {
      // The client sent objects the checks refuse (a tree naming '.git' or '..', a corrupt object):
      // JGit has already told it why in the status report; this is the pusher's error, not the server's.
      log.info("refused the pack pushed to {} by key {}: {}", appName, fingerprint, rootMessage(e));
    } catch (IOException | RuntimeException e) {
      // Also a client that hangs up mid-transfer; nothing useful can reach it then, but the log keeps it.
      log.warn("{} of {} for key {} failed", kind, appName, fingerprint, e);
      tell("the git server failed: " + e.getMessage());
    } finally {
      flushQuietly(out);
      flushQuietly(err);
      exit.onExit(status);
    }
  }

  /** The pusher must own the app, have it shared, or be an administrator: the controller decides. */
  private App authorize(Session pusher) throws Refused {
    String user = pusher.user().username();
    try {
      return pusher.app(appName.value());
    } catch (NotFoundException e) {
      throw new Refused("app '" + appName + "' does not exist: create it with 'deis create " + appName + "'");
    } catch (PermissionDeniedException e) {
      throw new Refused(user + " has no access to app '" + appName + "': ask its owner to run 'deis sharing:add "
          + user + " -a " + appName + "'");
    }
  }

  private void receive(Session pusher, App app, Repository repo, Path path) throws IOException, InterruptedException {
    ReentrantLock lock = repositories.pushLock(app.name());
    // Pushes to one app wait for each other, so each one is advertised the refs the previous one left.
    if (!lock.tryLock()) {
      tell("-----> Another push to " + app.name() + " is in progress; waiting for it to finish");
      lock.lockInterruptibly();
    }
    try {
      ReceivePack rp = new ReceivePack(repo);
      rp.setCheckReceivedObjects(true);
      rp.setMaxPackSizeLimit(pushLimits.maxBytes());
      rp.setAllowDeletes(false);
      rp.setAllowNonFastForwards(true); // 'git push -f' redeploys an older commit, as on Deis and Heroku
      // The pack must arrive within the limit; the build and deploy after it have timeouts of their own.
      ScheduledFuture<?> deadline = watchdog.schedule(this::receiveTookTooLong, pushLimits.maxReceiveTime().toMillis(),
          TimeUnit.MILLISECONDS);
      PushHook hook = new PushHook(pusher, app.name(), path, () -> deadline.cancel(false));
      rp.setPreReceiveHook(hook);
      rp.setPostReceiveHook(hook);
      try {
        rp.receive(in, out, null);
      } finally {
        deadline.cancel(false);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The pack did not arrive in time: the pusher is told, and the connection closed; no ref moves. */
  private void receiveTookTooLong() {
    log.info("push to {} by key {} did not send its pack within {}; closing the connection", appName, fingerprint,
        pushLimits.maxReceiveTime());
    tell("the push did not arrive within " + pushLimits.maxReceiveTime().toSeconds() + " s, the limit: nothing was changed");
    try {
      channel.close(false);
    } catch (RuntimeException e) {
      log.debug("closing the channel failed: {}", e.toString());
    }
  }

  private void upload(Repository repo, String gitProtocol) throws IOException {
    UploadPack up = new UploadPack(repo);
    if (!gitProtocol.isEmpty()) {
      // GIT_PROTOCOL=version=2 (sent by git through SSH's SendEnv) lets JGit speak protocol v2.
      List<String> parameters = Arrays.asList(gitProtocol.split(":"));
      up.setExtraParameters(parameters);
    }
    up.upload(in, out, null);
  }

  /** A one-line reason on the client's stderr, where ssh shows it above git's own error. */
  private void tell(String message) {
    try {
      err.write((message + "\n").getBytes(StandardCharsets.UTF_8));
      err.flush();
    } catch (IOException e) {
      log.debug("could not tell the client '{}': {}", message, e.toString());
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private static void flushQuietly(OutputStream stream) {
    try {
      stream.flush();
    } catch (IOException e) {
      log.debug("flush failed: {}", e.toString());
    }
  }

  /**
   * The client went away. A push already past receiving is left to finish: interrupting a deploy
   * halfway would leave a release neither running nor cleanly failed, and the pusher's Ctrl+C
   * should not decide that. Its output is lost; the ref and the release still end consistent.
   */
  @Override
  public void destroy(ChannelSession channel) {
    if (running != null && !running.isDone()) {
      log.info("client of {} on {} disconnected; the command finishes on its own", kind, appName);
    }
  }

  @Override
  public void setInputStream(InputStream in) {
    this.in = in;
  }

  @Override
  public void setOutputStream(OutputStream out) {
    this.out = out;
  }

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exit = callback;
  }

  /** The request was refused for a reason the client should read. */
  private static final class Refused extends Exception {
    Refused(String message) {
      super(message, null, false, false);
    }
  }
}
