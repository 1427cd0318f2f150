package io.deis.server;

import io.deis.controller.Controller;
import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.command.CommandFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an SSH exec request into a git command, or a refusal. Git's SSH transport sends
 * {@code git-receive-pack '/APP.git'} (push) or {@code git-upload-pack '/APP.git'} (clone, fetch);
 * nothing else is served.
 */
final class GitCommandFactory implements CommandFactory {
  private static final Logger log = LoggerFactory.getLogger(GitCommandFactory.class);
  private static final Pattern GIT_COMMAND = Pattern.compile("^git[ -](receive-pack|upload-pack) +'?([^']*)'?$");
  /** {@code /app.git}, {@code app.git}, {@code /app}, with at most one trailing slash; nothing with a further '/' or '.'. */
  /** git's commands are short: a path of an app name; anything much longer is refused unread. */
  static final int MAX_COMMAND_LENGTH = 1024;
  private static final Pattern APP_PATH = Pattern.compile("^/?(?:~/)?([^/.]+)(?:\\.git)?/?$");

  private final Controller controller;
  private final Repositories repositories;
  private final ExecutorService workers;
  private final PushLimits pushLimits;
  private final ScheduledExecutorService watchdog;

  GitCommandFactory(Controller controller, Repositories repositories, ExecutorService workers, PushLimits pushLimits,
      ScheduledExecutorService watchdog) {
    this.controller = controller;
    this.repositories = repositories;
    this.workers = workers;
    this.pushLimits = pushLimits;
    this.watchdog = watchdog;
  }

  @Override
  public Command createCommand(ChannelSession channel, String command) {
    String fingerprint = channel.getServerSession().getAttribute(KeyAuthenticator.FINGERPRINT);
    Request request = parse(command);
    if (request.refusal().isPresent()) {
      log.info("refused command {} from key {}: {}", shorten(command), fingerprint, request.refusal().get());
      return new RefusalCommand(request.refusal().get(), 1);
    }
    return new GitCommand(request.kind(), request.app(), fingerprint, controller, repositories, workers, pushLimits, watchdog);
  }

  /** What an exec request asks for: a git command on an app's repository, or the reason it is refused. */
  record Request(GitCommand.Kind kind, AppName app, Optional<String> refusal) {
    static Request refused(String why) {
      return new Request(null, null, Optional.of(why));
    }
  }

  /**
   * Reads an SSH exec request as git sends it. Anything else is refused with a message for the
   * client that quotes at most a little of the request; never an exception.
   */
  static Request parse(String command) {
    if (command == null) {
      return Request.refused("Deis serves only git push and git clone of APP.git; no command was given");
    }
    Matcher m = command.length() > MAX_COMMAND_LENGTH ? null : GIT_COMMAND.matcher(command.strip());
    if (m == null || !m.matches()) {
      return Request.refused("Deis serves only git push and git clone of APP.git; the command '"
          + shorten(command) + "' is not allowed");
    }
    String path = m.group(2);
    Matcher p = APP_PATH.matcher(path);
    AppName app;
    try {
      if (!p.matches()) {
        throw new InvalidInputException("repository path '" + shorten(path) + "' is not an app repository");
      }
      app = AppName.of(p.group(1));
    } catch (InvalidInputException e) {
      return Request.refused(e.getMessage() + ": use ssh://git@HOST:PORT/APP.git");
    }
    return new Request(m.group(1).equals("receive-pack") ? GitCommand.Kind.RECEIVE : GitCommand.Kind.UPLOAD, app, Optional.empty());
  }

  /** Keeps a hostile command from filling the log and the client's terminal. */
  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\p{Cntrl}", "?");
    return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 80) + "...";
  }
}
