package io.deis.server;

import io.deis.controller.Controller;
import io.deis.error.InvalidInputException;
import io.deis.model.AppName;
import java.util.concurrent.ExecutorService;
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
  private static final Pattern APP_PATH = Pattern.compile("^/?(?:~/)?([^/.]+)(?:\\.git)?/?$");

  private final Controller controller;
  private final Repositories repositories;
  private final ExecutorService workers;

  GitCommandFactory(Controller controller, Repositories repositories, ExecutorService workers) {
    this.controller = controller;
    this.repositories = repositories;
    this.workers = workers;
  }

  @Override
  public Command createCommand(ChannelSession channel, String command) {
    String fingerprint = channel.getServerSession().getAttribute(KeyAuthenticator.FINGERPRINT);
    Matcher m = GIT_COMMAND.matcher(command.strip());
    if (!m.matches()) {
      log.info("refused command '{}' from key {}", command, fingerprint);
      return new RefusalCommand("Deis serves only git push and git clone of APP.git; the command '"
          + shorten(command) + "' is not allowed", 1);
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
      log.info("refused repository path '{}' from key {}: {}", path, fingerprint, e.getMessage());
      return new RefusalCommand(e.getMessage() + ": use ssh://git@HOST:PORT/APP.git", 1);
    }
    GitCommand.Kind kind = m.group(1).equals("receive-pack") ? GitCommand.Kind.RECEIVE : GitCommand.Kind.UPLOAD;
    return new GitCommand(kind, app, fingerprint, controller, repositories, workers);
  }

  /** Keeps a hostile command from filling the log and the client's terminal. */
  private static String shorten(String text) {
    String oneLine = text.replaceAll("\\p{Cntrl}", "?");
    return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 80) + "...";
  }
}
