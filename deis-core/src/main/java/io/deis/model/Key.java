package io.deis.model;

import java.time.Instant;

/**
 * An SSH key a user registered to authenticate {@code git push}.
 *
 * @param id the name the user gave it (Deis used the key's comment, e.g. {@code alice@laptop})
 */
public record Key(String id, String owner, SshPublicKey publicKey, Instant created) {
  public String fingerprint() {
    return publicKey.fingerprintSha256();
  }
}
