package io.deis.server;

import io.deis.build.BuildSource;
import io.deis.controller.Session;
import io.deis.error.DeisException;
import io.deis.model.AppName;
import io.deis.model.Release;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.PostReceiveHook;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds and deploys a push before its ref moves. JGit calls the pre-receive hook once the pack
 * is received and checked but before any ref is updated, so a push whose build or deploy fails is
 * rejected with the branch left where it was: the repository never points at code that is not
 * running.
 */
final class PushHook implements PreReceiveHook, PostReceiveHook {
  private static final Logger log = LoggerFactory.getLogger(PushHook.class);
  static final Set<String> DEPLOYED_BRANCHES = Set.of(Constants.R_HEADS + "master", Constants.R_HEADS + "main");

  private final Session pusher;
  private final AppName app;
  private final Path repository;
  private final Runnable received;

  /** @param received told once the pack is in, before anything is built: the receive deadline ends there */
  PushHook(Session pusher, AppName app, Path repository, Runnable received) {
    this.pusher = pusher;
    this.app = app;
    this.repository = repository;
    this.received = received;
  }

  @Override
  public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
    received.run();
    for (ReceiveCommand command : commands) {
      if (command.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) {
        continue; // already refused by JGit (a deletion, a missing object)
      }
      String ref = command.getRefName();
      if (!DEPLOYED_BRANCHES.contains(ref)) {
        String branch = Repository.shortenRefName(ref);
        reject(rp, command, "Deis deploys pushes to master (or main) only, not " + branch
            + ": push with 'git push deis " + branch + ":master'");
        continue;
      }
      if (command.getType() == ReceiveCommand.Type.DELETE) {
        reject(rp, command, "deleting " + Repository.shortenRefName(ref) + " is not allowed: it is what " + app + " runs");
        continue;
      }
      deploy(rp, command);
    }
  }

  private void deploy(ReceivePack rp, ReceiveCommand command) {
    String sha = command.getNewId().name();
    Progress progress = new Progress(rp.getMessageOutputStream());
    try {
      Release release = pusher.deploy(app.value(), BuildSource.commit(repository, sha), progress);
      progress.endLine();
      log.info("{} pushed {} to {}: v{} deployed", pusher.user().username(), sha, app, release.version());
    } catch (DeisException e) {
      progress.endLine();
      log.info("push of {} to {} by {} rejected: {}", sha, app, pusher.user().username(), e.getMessage());
      reject(rp, command, e.getMessage());
    } catch (RuntimeException e) {
      progress.endLine();
      log.error("push of {} to {} failed unexpectedly", sha, app, e);
      reject(rp, command, "the build failed inside the server (" + e + "); the server log has the details");
    }
  }

  /**
   * Refuses one ref update: the whole reason on the side band (git prints it as 'remote: ...'),
   * its first line in the status report (git's '! [remote rejected] master -> master (reason)';
   * the protocol allows one line there).
   */
  private static void reject(ReceivePack rp, ReceiveCommand command, String reason) {
    for (String line : reason.split("\\R")) {
      rp.sendMessage(" !     " + line);
    }
    flush(rp.getMessageOutputStream());
    String firstLine = reason.lines().findFirst().orElse("rejected");
    command.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, firstLine);
  }

  /**
   * After a first push to main only, points HEAD at main: otherwise HEAD names a master that does
   * not exist and 'git clone' checks nothing out.
   */
  @Override
  public void onPostReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
    Repository repo = rp.getRepository();
    try {
      Ref head = repo.exactRef(Constants.HEAD);
      if (head != null && head.isSymbolic() && head.getObjectId() == null) {
        for (ReceiveCommand command : commands) {
          if (command.getResult() == ReceiveCommand.Result.OK && DEPLOYED_BRANCHES.contains(command.getRefName())) {
            RefUpdate.Result result = repo.updateRef(Constants.HEAD).link(command.getRefName());
            log.debug("HEAD of {} now follows {}: {}", app, command.getRefName(), result);
            break;
          }
        }
      }
    } catch (IOException e) {
      log.warn("could not point HEAD of {} at the pushed branch: {}", app, e.toString());
    }
  }

  private static void flush(OutputStream out) {
    try {
      out.flush();
    } catch (IOException e) {
      log.debug("flush of the side band failed: {}", e.toString());
    }
  }

  /**
   * Writes the controller's progress lines to the pusher as they come, one flush per line, so a
   * slow build shows each step when it happens rather than all at the end. A line ending in a
   * space ('-----> Launching... ') is continued by the next ('done, myapp:v2 deployed'), giving
   * Deis's one-line '-----> Launching... done, myapp:v2 deployed'.
   */
  static final class Progress implements Consumer<String> {
    private final OutputStream out;
    private boolean midLine;

    Progress(OutputStream out) {
      this.out = out;
    }

    @Override
    public synchronized void accept(String line) {
      String text = midLine ? line.stripLeading() : line;
      boolean continues = !line.isBlank() && line.endsWith(" ");
      write(continues ? text : text + "\n");
      midLine = continues;
    }

    synchronized void endLine() {
      if (midLine) {
        write("\n");
        midLine = false;
      }
    }

    private void write(String text) {
      try {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        log.debug("progress line lost: {}", e.toString());
      }
    }
  }
}
