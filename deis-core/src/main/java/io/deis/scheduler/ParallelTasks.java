package io.deis.scheduler;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task per container on the scheduler's workers and waits for every one of them to end,
 * also when the waiting thread is interrupted: then the tasks are interrupted and still waited
 * for, so that no task creates a container after its caller has moved on to clean up.
 */
final class ParallelTasks {
  private static final Logger log = LoggerFactory.getLogger(ParallelTasks.class);

  @FunctionalInterface
  interface SlotTask {
    void run(Slot slot) throws Exception;
  }

  private final ExecutorService workers;

  ParallelTasks(ExecutorService workers) {
    this.workers = workers;
  }

  /** Runs {@code task} for every slot at once; returns the slots whose task failed, each with why. */
  Map<Slot, String> run(List<Slot> slots, SlotTask task, String what) {
    Batch batch = new Batch();
    Map<Slot, CompletableFuture<Void>> done = new LinkedHashMap<>();
    for (Slot slot : slots) {
      CompletableFuture<Void> future = new CompletableFuture<>();
      done.put(slot, future);
      try {
        workers.execute(() -> batch.run(() -> task.run(slot), future));
      } catch (RejectedExecutionException e) {
        future.completeExceptionally(new IllegalStateException("the scheduler is closed"));
      }
    }
    boolean interrupted = false;
    Map<Slot, String> failures = new LinkedHashMap<>();
    for (Map.Entry<Slot, CompletableFuture<Void>> e : done.entrySet()) {
      while (true) {
        try {
          e.getValue().get();
          break;
        } catch (InterruptedException ie) {
          interrupted = true;
          batch.abort();
        } catch (ExecutionException ee) {
          Throwable cause = ee.getCause();
          log.debug("{} of {} failed", what, e.getKey().container.name(), cause);
          failures.put(e.getKey(), cause instanceof InterruptedException ? "interrupted"
              : cause instanceof IllegalStateException ? cause.getMessage()
              : "failed to " + what + ": " + cause.getMessage());
          break;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    return failures;
  }

  @FunctionalInterface
  private interface Work {
    void run() throws Exception;
  }

  /** The threads running one call's tasks, so an interrupted caller can interrupt exactly those. */
  private static final class Batch {
    private final Set<Thread> threads = new HashSet<>();
    private boolean aborted;

    void run(Work work, CompletableFuture<Void> future) {
      Thread me = Thread.currentThread();
      synchronized (this) {
        if (aborted) {
          future.completeExceptionally(new InterruptedException("interrupted before it started"));
          return;
        }
        threads.add(me);
      }
      try {
        work.run();
        future.complete(null);
      } catch (Throwable t) {
        future.completeExceptionally(t);
      } finally {
        synchronized (this) {
          threads.remove(me);
          Thread.interrupted(); // a pool thread goes back clean
        }
      }
    }

    synchronized void abort() {
      if (!aborted) {
        aborted = true;
        threads.forEach(Thread::interrupt);
      }
    }
  }
}
