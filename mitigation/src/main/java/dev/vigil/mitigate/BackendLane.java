package dev.vigil.mitigate;

import dev.vigil.common.settings.Durations;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One backend's own thread and bounded queue: its calls run in the order queued (an apply before
 * the revoke of the same decision), so that a slow or dead backend delays only itself.
 *
 * <p>Each call runs on a caller thread and is waited for up to the deadline; one that runs past it
 * is abandoned (interrupted, and its result ignored) and the lane goes on. At most {@value
 * #MAX_CALLERS} calls may run at once, abandoned ones included: while that many hang, further calls
 * fail at once instead of starting more threads.
 *
 * <p>Thread-safe.
 */
final class BackendLane implements AutoCloseable {
  /** Caller threads per backend, abandoned calls that still run included. */
  static final int MAX_CALLERS = 4;

  private final String type;
  private final Duration deadline;
  private final ThreadPoolExecutor lane;
  private final ThreadPoolExecutor callers;
  private final AtomicInteger inFlight = new AtomicInteger();

  BackendLane(String type, int queueSize, Duration deadline) {
    this.type = type;
    this.deadline = deadline;
    this.lane =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queueSize),
            r -> daemon(r, "vigil-backend-" + type));
    AtomicInteger n = new AtomicInteger();
    this.callers =
        new ThreadPoolExecutor(
            0,
            MAX_CALLERS,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemon(r, "vigil-backend-" + type + "-call-" + n.incrementAndGet()));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Returns the backend's type. */
  String type() {
    return type;
  }

  /**
   * Queues {@code task} to run on this lane's thread.
   *
   * @return false when the queue is full or the lane closed (the task will not run)
   */
  boolean submit(Runnable task) {
    inFlight.incrementAndGet();
    try {
      lane.execute(
          () -> {
            try {
              task.run();
            } finally {
              inFlight.decrementAndGet();
            }
          });
      return true;
    } catch (RejectedExecutionException e) {
      inFlight.decrementAndGet();
      return false;
    }
  }

  /** Returns how many calls wait in the queue. */
  int queued() {
    return lane.getQueue().size();
  }

  /** Returns whether no task is queued or running. */
  boolean idle() {
    return inFlight.get() == 0;
  }

  /**
   * Runs {@code call} (which returns null on success, else the failure) on a caller thread and
   * waits for it up to the deadline; called from a task on this lane.
   *
   * @return null when it succeeded in time, else why not
   */
  String call(Supplier<String> call) {
    Future<String> f;
    try {
      f = callers.submit(call::get);
    } catch (RejectedExecutionException e) {
      return "backend busy: "
          + MAX_CALLERS
          + " earlier calls still running past their deadline of "
          + Durations.format(deadline);
    }
    try {
      return f.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      return "no answer within the deadline of " + Durations.format(deadline) + "; abandoned";
    } catch (ExecutionException e) {
      return String.valueOf(e.getCause());
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      return "interrupted (shutting down)";
    }
  }

  /** Stops the lane: queued calls are dropped, running ones interrupted. */
  @Override
  public void close() {
    lane.shutdownNow();
    callers.shutdownNow();
  }

  /** Waits up to {@code timeout} for the lane's thread to end after {@link #close}. */
  void awaitClosed(Duration timeout) throws InterruptedException {
    lane.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }
}
