package io.deis.server;

import io.deis.controller.Controller;
import io.deis.controller.Session;
import io.deis.error.AuthenticationException;
import io.deis.model.SshPublicKey;
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

  private final Controller controller;

  KeyAuthenticator(Controller controller) {
    this.controller = controller;
  }

  @Override
  public boolean authenticate(String username, PublicKey key, ServerSession session) {
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
      session.setAttribute(FINGERPRINT, fingerprint);
      log.debug("key {} authenticates {} from {}", fingerprint, owner, session.getClientAddress());
      return true;
    } catch (AuthenticationException e) {
      log.info("refused unregistered key {} from {}", fingerprint, session.getClientAddress());
      tellClient(session, e.getMessage());
      return false;
    }
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
