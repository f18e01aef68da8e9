package dev.vigil.features.flow;

import dev.vigil.features.packet.Addresses;
import dev.vigil.features.packet.PacketMeta;
import dev.vigil.features.table.SlotTable;

/**
 * Finds password guessing from the server's own answers, as fail2ban does from logs: a client
 * refused too often within a span. The refusals are read off the wire: an MQTT CONNACK whose return
 * code says the credentials were wrong or not authorised (3.1.1: 4 bad user name or password, 5 not
 * authorised; 5.0: 0x86 bad user name or password, 0x87 not authorised, 0x8C bad authentication
 * method). The client is the CONNACK's destination.
 *
 * <p>A guesser's traffic is small (one short connection per guess) and may look like a device's
 * reconnects to the window detector; its failures are unambiguous. A client refused {@link
 * Options#maxFailures()} times within {@link Options#withinMicros()} is reported (fail2ban's
 * maxretry and findtime: the times of each client's last refusals are kept), then again after every
 * further {@code maxFailures} refusals within the span. A device with a stale password retrying
 * every 7 s or slower is never reported at the defaults (10 refusals within 60 s).
 *
 * <p>Encrypted MQTT (8883) hides its CONNACKs: this tracker sees plain-text MQTT only. At most
 * {@link Options#maxClients()} clients are tracked; at a full table the least recently refused of a
 * few sampled ones is evicted. Nothing is allocated per packet (only per report). Not thread-safe.
 */
public final class AuthFailureTracker implements PacketObserver {
  /**
   * Settings.
   *
   * @param maxFailures refusals that make a report (2 or more)
   * @param withinMicros the span they must fall in
   * @param maxClients most clients tracked at once
   */
  public record Options(int maxFailures, long withinMicros, int maxClients) {
    /** Validates. */
    public Options {
      if (maxFailures < 2 || maxFailures > 100) {
        throw new IllegalArgumentException("max-failures must be 2 to 100, was " + maxFailures);
      }
      if (withinMicros <= 0) {
        throw new IllegalArgumentException("within must be positive");
      }
      if (maxClients < 16) {
        throw new IllegalArgumentException("max-clients must be at least 16");
      }
    }

    /** 10 refusals within 60 s, 4,096 clients (about 1 MiB). */
    public static Options defaults() {
      return new Options(10, 60_000_000L, 4096);
    }
  }

  /**
   * One report.
   *
   * @param clientHi the refused client, high half
   * @param clientLo the refused client, low half
   * @param serverHi the server that refused it, high half
   * @param serverLo the server, low half
   * @param serverPort the server's port
   * @param protocol the application protocol ({@code mqtt})
   * @param failures refusals of this client so far
   * @param lastCode the last refusal's return or reason code
   * @param firstMicros the time of the first of the {@code maxFailures} refusals judged
   * @param lastMicros the time of the refusal that made the report
   */
  public record Report(
      long clientHi,
      long clientLo,
      long serverHi,
      long serverLo,
      int serverPort,
      String protocol,
      long failures,
      int lastCode,
      long firstMicros,
      long lastMicros) {
    /** Returns the client's address as text. */
    public String client() {
      return Addresses.format(clientHi, clientLo);
    }

    /** Returns the server's address as text. */
    public String server() {
      return Addresses.format(serverHi, serverLo);
    }
  }

  /** Receives reports, on the thread that feeds the tracker. */
  @FunctionalInterface
  public interface Listener {
    /** A client refused too often. */
    void onReport(Report report);
  }

  private static final int CONNACK = 2;

  private final Options options;
  private final Listener listener;
  private final Clients clients;
  private long refusals;
  private long reports;

  /** Creates a tracker. */
  public AuthFailureTracker(Options options, Listener listener) {
    this.options = options;
    this.listener = listener;
    this.clients = new Clients(options.maxClients(), options.maxFailures());
  }

  /** Returns the settings. */
  public Options options() {
    return options;
  }

  /** Returns the refusals seen. */
  public long refusals() {
    return refusals;
  }

  /** Returns the reports made. */
  public long reports() {
    return reports;
  }

  /** Returns the clients tracked now. */
  public int clients() {
    return clients.size();
  }

  /** Returns whether {@code code} in an MQTT CONNACK refuses the client's credentials. */
  static boolean refusesCredentials(int code) {
    return code == 4 || code == 5 || code == 0x86 || code == 0x87 || code == 0x8C;
  }

  @Override
  public void update(PacketMeta m) {
    if (m.appProtocol != PacketMeta.APP_MQTT
        || m.mqttType != CONNACK
        || !refusesCredentials(m.mqttReturnCode)) {
      return;
    }
    refusals++;
    long ts = m.timestampMicros;
    long[] k = clients.key;
    k[0] = m.dstHi;
    k[1] = m.dstLo;
    int s = clients.findOrInsert(ts);
    int max = options.maxFailures();
    long n = ++clients.count[s];
    int b = s * max;
    int at = (int) ((n - 1) % max);
    clients.times[b + at] = ts;
    if (n < max) {
      return;
    }
    long first = clients.times[b + (int) (n % max)]; // the max-th most recent refusal
    if (ts - first > options.withinMicros()) {
      return;
    }
    if (clients.reportedAt[s] > 0 && n - clients.reportedAt[s] < max) {
      return;
    }
    clients.reportedAt[s] = n;
    reports++;
    listener.onReport(
        new Report(
            m.dstHi, m.dstLo, m.srcHi, m.srcLo, m.srcPort, "mqtt", n, m.mqttReturnCode, first, ts));
  }

  /** Refused clients: their refusals and the times of the last {@code maxFailures}. */
  private static final class Clients extends SlotTable {
    final long[] count;
    final long[] reportedAt;
    final long[] times;
    final int stride;

    Clients(int max, int stride) {
      super(2, max);
      this.stride = stride;
      count = longs(1);
      reportedAt = longs(1);
      times = longs(stride);
    }

    @Override
    protected void initSlot(int slot) {
      count[slot] = 0;
      reportedAt[slot] = 0;
      java.util.Arrays.fill(times, slot * stride, (slot + 1) * stride, 0L);
    }

    @Override
    protected void moveValues(int from, int to) {
      copy(count, 1, from, to);
      copy(reportedAt, 1, from, to);
      copy(times, stride, from, to);
    }
  }
}
