package io.deis.controller;

/**
 * Who may register new users (Deis's {@code REGISTRATION_MODE}). Whatever the mode, the first user,
 * who becomes the administrator, may always register: that is how a platform gets one.
 */
public enum RegistrationMode {
  /** Anyone may register (Deis's default). */
  ENABLED,
  /** Only administrators may register users, through {@link Session#register}. */
  ADMIN_ONLY,
  /** Nobody may register users. */
  DISABLED
}
