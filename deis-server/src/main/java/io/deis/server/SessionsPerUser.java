package io.deis.server;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.session.ServerSession;

/**
 * Counts each user's open SSH sessions, so one user (or one stolen key) cannot hold every worker
 * thread: a session counts from the moment its key is accepted until it closes.
 */
final class SessionsPerUser implements SessionListener {
  private static final AttributeKey<String> COUNTED_FOR = new AttributeKey<>();

  private final int max;
  private final Map<String, Integer> open = new ConcurrentHashMap<>();

  SessionsPerUser(int max) {
    this.max = max;
  }

  int max() {
    return max;
  }

  /** Counts {@code session} for {@code user}, once; false when the user has {@link #max} sessions open already. */
  synchronized boolean admit(ServerSession session, String user) {
    String counted = session.getAttribute(COUNTED_FOR);
    if (counted != null) {
      return counted.equals(user) || admitAnother(session, user, counted);
    }
    if (open.getOrDefault(user, 0) >= max) {
      return false;
    }
    open.merge(user, 1, Integer::sum);
    session.setAttribute(COUNTED_FOR, user);
    return true;
  }

  /** The client offered a key of another user after one was accepted: the session counts for the last one. */
  private boolean admitAnother(ServerSession session, String user, String counted) {
    if (open.getOrDefault(user, 0) >= max) {
      return false;
    }
    release(counted);
    open.merge(user, 1, Integer::sum);
    session.setAttribute(COUNTED_FOR, user);
    return true;
  }

  @Override
  public void sessionClosed(Session session) {
    String counted = session.removeAttribute(COUNTED_FOR);
    if (counted != null) {
      synchronized (this) {
        release(counted);
      }
    }
  }

  private void release(String user) {
    open.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
  }

  /** Sessions open now for {@code user}. */
  int open(String user) {
    return open.getOrDefault(user, 0);
  }
}
