package io.deis.server;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.AuthenticationException;
import io.deis.error.DeisException;
import io.deis.error.TooManyRequestsException;
import io.deis.model.SshPublicKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts a public key when it is registered in the controller; its owner becomes the pusher.
 * SSHD verifies the client's signature over the session after this says yes, so holding the
 * private key is what is proven, not merely knowing the public one.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {
  private static final Logger log = LoggerFactory.getLogger(KeyAuthenticator.class);
  /** The SHA256 fingerprint of the key the session authenticated with. */
  static final AttributeKey<String> FINGERPRINT = new AttributeKey<>();
  private static final AttributeKey<Boolean> BANNER_SENT = new AttributeKey<>();
  /** Whether the session's attempt was counted (true) or refused by the limiter (false). */
  private static final AttributeKey<Boolean> ATTEMPT_ALLOWED = new AttributeKey<>();
  private static final AttributeKey<Boolean> FAILURE_COUNTED = new AttributeKey<>();

  private final Controller controller;
  private final SessionsPerUser sessions;

  KeyAuthenticator(Controller controller, SessionsPerUser sessions) {
    this.controller = controller;
    this.sessions = sessions;
  }

  @Override
  public boolean authenticate(String username, PublicKey key, ServerSession session) {
    if (!attemptAllowed(session)) {
      return false;
    }
    String fingerprint;
    try {
      // Fingerprinted by core's own code from the key's OpenSSH form, so the server and 'deis keys' always agree.
      fingerprint = SshPublicKey.parse(PublicKeyEntry.toString(key)).fingerprintSha256();
    } catch (RuntimeException e) {
      log.info("refused a key of unsupported type {} from {}: {}", key.getAlgorithm(), session.getClientAddress(), e.getMessage());
      tellClient(session, "Deis cannot use this key (" + e.getMessage() + ")");
      return false;
    }
    try {
      Session owner = controller.authenticateKey(fingerprint);
      String user = owner.user().username();
      if (!sessions.admit(session, user)) {
        log.info("refused key {} from {}: {} has {} sessions open already", fingerprint, session.getClientAddress(), user, sessions.max());
        tellClient(session, user + " has " + sessions.max() + " git sessions open already, the most allowed at once: "
            + "wait for one to finish");
        return false;
      }
      session.setAttribute(FINGERPRINT, fingerprint);
      log.debug("key {} authenticates {} from {}", fingerprint, owner, session.getClientAddress());
      return true;
    } catch (AuthenticationException e) {
      log.info("refused unregistered key {} from {}", fingerprint, session.getClientAddress());
      countFailure(session);
      tellClient(session, e.getMessage());
      return false;
    } catch (DeisException e) { // a single-tenant controller refusing a second user
      log.info("refused key {} from {}: {}", fingerprint, session.getClientAddress(), e.getMessage());
      tellClient(session, e.getMessage());
      return false;
    }
  }

  /**
   * Asks the controller's attempt limiter, once per connection, whether the peer's address may
   * still try: a registered key is no guess, so only connections that offered an unregistered key
   * count ({@link #countFailure}). A refused connection stays refused.
   */
  private boolean attemptAllowed(ServerSession session) {
    Boolean known = session.getAttribute(ATTEMPT_ALLOWED);
    if (known != null) {
      return known;
    }
    try {
      controller.authAttempts().verify(source(session.getClientAddress()));
      session.setAttribute(ATTEMPT_ALLOWED, true);
      return true;
    } catch (TooManyRequestsException e) {
      session.setAttribute(ATTEMPT_ALLOWED, false);
      log.info("refused a connection from {}: {}", session.getClientAddress(), e.getMessage());
      tellClient(session, e.getMessage());
      return false;
    }
  }

  /** Counts a connection that offered an unregistered key as a failed attempt of its address, once. */
  private void countFailure(ServerSession session) {
    if (session.setAttribute(FAILURE_COUNTED, Boolean.TRUE) == null) {
      controller.authAttempts().failed(source(session.getClientAddress()));
    }
  }

  /** The address without the port: a client picks a new port for every connection. */
  static String source(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return inet.getAddress().getHostAddress();
    }
    return String.valueOf(address);
  }

  /**
   * Sends one line as an SSH authentication banner, which OpenSSH prints on the user's terminal:
   * without it a refused key shows only "Permission denied (publickey)", which does not say which
   * key or what to do. RFC 4252 allows a banner at any time before authentication succeeds. Sent
   * once per connection; a later key the client offers may still be accepted.
   */
  private static void tellClient(ServerSession session, String message) {
    if (session.setAttribute(BANNER_SENT, Boolean.TRUE) != null) {
      return;
    }
    try {
      Buffer buffer = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_BANNER);
      buffer.putString(message + "\n", StandardCharsets.UTF_8);
      buffer.putString("");
      session.writePacket(buffer);
    } catch (Exception e) {
      log.debug("could not send the authentication banner: {}", e.toString());
    }
  }
}
