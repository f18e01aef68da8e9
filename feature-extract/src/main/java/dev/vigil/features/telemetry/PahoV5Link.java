package dev.vigil.features.telemetry;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;

/** {@link MqttLink} over Eclipse Paho's MQTT 5 client. */
final class PahoV5Link implements MqttLink, MqttCallback {
  // MQTT 5: the unconfirmed-publish window is the broker's Receive Maximum.
  private static final short MAX_INFLIGHT =
      org.eclipse.paho.mqttv5.client.MqttClientException.REASON_CODE_MAX_INFLIGHT;

  private final MqttAsyncClient client;
  private final MqttConnectionOptions connectOptions;
  private final Listener listener;
  private final long connectWaitMillis;
  private final long requestWaitMillis;

  PahoV5Link(MqttOptions o, SSLSocketFactory sslFactory, Listener listener) throws MqttException {
    this.listener = listener;
    this.client = new MqttAsyncClient(o.serverUris().get(0), o.clientId(), new MemoryPersistence());
    client.setCallback(this);
    MqttConnectionOptions c = new MqttConnectionOptions();
    c.setServerURIs(o.serverUris().toArray(new String[0]));
    c.setCleanStart(o.cleanSession());
    c.setSessionExpiryInterval(o.sessionExpirySeconds());
    c.setAutomaticReconnect(false); // MqttTelemetrySource reconnects (also after a failed start)
    c.setKeepAliveInterval((int) o.keepAlive().getSeconds());
    c.setConnectionTimeout((int) Math.max(1, o.connectTimeout().toSeconds()));
    if (o.username() != null) {
      c.setUserName(o.username());
    }
    if (o.password() != null) {
      c.setPassword(o.password().getBytes(StandardCharsets.UTF_8));
    }
    if (sslFactory != null) {
      c.setSocketFactory(sslFactory);
    }
    c.setHttpsHostnameVerificationEnabled(o.tls() == null || o.tls().verifyHostname());
    this.connectOptions = c;
    this.connectWaitMillis =
        o.connectTimeout().toMillis() * o.serverUris().size() + TimeUnit.SECONDS.toMillis(2);
    this.requestWaitMillis = o.connectTimeout().toMillis();
  }

  @Override
  public boolean connect() throws MqttException {
    IMqttToken t = client.connect(connectOptions);
    t.waitForCompletion(connectWaitMillis);
    return t.getSessionPresent();
  }

  @Override
  public int[] subscribe(String[] filters, int qos) throws MqttException {
    MqttSubscription[] subs = new MqttSubscription[filters.length];
    for (int i = 0; i < filters.length; i++) {
      subs[i] = new MqttSubscription(filters[i], qos);
    }
    IMqttToken t = client.subscribe(subs, null, null, new MqttProperties());
    t.waitForCompletion(requestWaitMillis);
    return t.getReasonCodes();
  }

  @Override
  public Pending publish(String topic, byte[] payload, int qos) throws MqttException {
    IMqttToken t;
    try {
      t = client.publish(topic, payload, qos, false);
    } catch (MqttException e) {
      if (e.getReasonCode() == MAX_INFLIGHT) {
        return null;
      }
      throw e;
    }
    return millis -> {
      t.waitForCompletion(millis);
      return t.isComplete();
    };
  }

  @Override
  public boolean isConnected() {
    return client.isConnected();
  }

  @Override
  public String serverUri() {
    String u = client.getCurrentServerURI();
    return u != null ? u : client.getServerURI();
  }

  @Override
  public void abort() {
    try {
      client.disconnectForcibly(0, 1000, false);
    } catch (MqttException | RuntimeException e) {
      // not connected, or already going down
    }
  }

  @Override
  public void close() {
    try {
      if (client.isConnected()) {
        client.disconnect(0).waitForCompletion(1000);
      }
    } catch (MqttException | RuntimeException e) {
      abort();
    }
    try {
      client.close(true);
    } catch (MqttException | RuntimeException e) {
      // nothing more to release
    }
  }

  @Override
  public void messageArrived(String topic, MqttMessage message) {
    listener.message(topic, message.getPayload());
  }

  @Override
  public void disconnected(MqttDisconnectResponse response) {
    MqttException e = response.getException();
    listener.lost(
        e != null
            ? e
            : new MqttException(
                response.getReturnCode(),
                new IllegalStateException(
                    "broker disconnected: reason "
                        + response.getReturnCode()
                        + (response.getReasonString() == null
                            ? ""
                            : " (" + response.getReasonString() + ")"))));
  }

  @Override
  public void mqttErrorOccurred(MqttException exception) {
    // protocol errors end in disconnected()
  }

  @Override
  public void deliveryComplete(IMqttToken token) {
    // subscriber only
  }

  @Override
  public void connectComplete(boolean reconnect, String serverUri) {
    // MqttTelemetrySource learns the outcome from connect()
  }

  @Override
  public void authPacketArrived(int reasonCode, MqttProperties properties) {
    // no enhanced authentication
  }
}
