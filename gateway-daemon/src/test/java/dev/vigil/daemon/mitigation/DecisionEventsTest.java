package dev.vigil.daemon.mitigation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.mitigate.DecisionChange;
import dev.vigil.mitigate.api.Decision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The alert's line waits for its decision's {@code applied}, which arrives on another thread. */
class DecisionEventsTest {
  private static final Instant T0 = Instant.parse("2026-03-02T12:00:00Z");
  private final List<String> direct = Collections.synchronizedList(new ArrayList<>());
  private final DecisionEvents events =
      new DecisionEvents(c -> direct.add(c.kind() + " " + c.decision().id()));
  private final List<List<String>> written = Collections.synchronizedList(new ArrayList<>());

  private static Decision decision(String id) {
    return new Decision(
        id,
        Decision.Scope.IP,
        "10.0.0.66",
        Decision.Action.QUARANTINE,
        "scan",
        0.9,
        Decision.Origin.DETECTOR,
        T0,
        T0.plusSeconds(600),
        false);
  }

  private static DecisionChange change(DecisionChange.Kind kind, Decision d) {
    return new DecisionChange(
        kind,
        d,
        T0,
        kind == DecisionChange.Kind.MADE ? List.of() : List.of("fw"),
        kind == DecisionChange.Kind.MADE ? List.of() : List.of("webhook"));
  }

  private void write(List<DecisionChange> changes) {
    written.add(changes.stream().map(c -> c.kind() + " " + c.decision().id()).toList());
  }

  private DecisionEvents.Held decide(Decision d) {
    DecisionEvents.Held h = events.hold();
    events.holding(
        h,
        () -> {
          events.onChange(change(DecisionChange.Kind.MADE, d));
          return null;
        });
    return h;
  }

  private void applyOnAnotherThread(Decision d) throws InterruptedException {
    Thread t = new Thread(() -> events.onChange(change(DecisionChange.Kind.APPLIED, d)));
    t.start();
    t.join(5000);
  }

  @Test
  void release_waitsForTheAppliedFromTheBackendsThread() throws Exception {
    Decision d = decision("d1");
    DecisionEvents.Held h = decide(d);
    h.release(true, this::write); // returns at once: nothing to write yet
    assertThat(written).isEmpty();
    applyOnAnotherThread(d);
    assertThat(written).containsExactly(List.of("MADE d1", "APPLIED d1"));
    assertThat(direct).isEmpty();
  }

  @Test
  void release_afterTheAppliedArrivedWritesAtOnce() throws Exception {
    Decision d = decision("d2");
    DecisionEvents.Held h = decide(d);
    applyOnAnotherThread(d); // a fast backend answers before the worker releases
    assertThat(written).isEmpty();
    h.release(true, this::write);
    assertThat(written).containsExactly(List.of("MADE d2", "APPLIED d2"));
  }

  @Test
  void release_withoutBackendsWritesAtOnceAndForgetsTheDecision() throws Exception {
    Decision d = decision("d3");
    DecisionEvents.Held h = decide(d);
    h.release(false, this::write);
    assertThat(written).containsExactly(List.of("MADE d3"));
    applyOnAnotherThread(d); // not held any more: straight to the log
    assertThat(written).hasSize(1);
    assertThat(direct).containsExactly("APPLIED d3");
  }

  @Test
  void flush_writesWhatIsStillWaiting() throws Exception {
    Decision d = decision("d4");
    decide(d).release(true, this::write);
    events.flush();
    assertThat(written).containsExactly(List.of("MADE d4"));
  }
}
