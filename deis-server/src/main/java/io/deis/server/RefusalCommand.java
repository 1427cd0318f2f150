package io.deis.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/** Answers a request the server does not serve (a shell, an unknown command, a refused repository) with one line and an exit status. */
final class RefusalCommand implements Command {
  private final String message;
  private final int exitStatus;
  private OutputStream err;
  private ExitCallback exit;

  RefusalCommand(String message, int exitStatus) {
    this.message = message;
    this.exitStatus = exitStatus;
  }

  @Override
  public void start(ChannelSession channel, Environment env) throws IOException {
    try {
      err.write((message + "\n").getBytes(StandardCharsets.UTF_8));
      err.flush();
    } finally {
      exit.onExit(exitStatus, message);
    }
  }

  @Override
  public void destroy(ChannelSession channel) {}

  @Override
  public void setInputStream(InputStream in) {}

  @Override
  public void setOutputStream(OutputStream out) {}

  @Override
  public void setErrorStream(OutputStream err) {
    this.err = err;
  }

  @Override
  public void setExitCallback(ExitCallback callback) {
    this.exit = callback;
  }
}
