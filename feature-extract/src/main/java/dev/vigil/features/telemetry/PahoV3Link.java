package dev.vigil.features.telemetry;

import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/** {@link MqttLink} over Eclipse Paho's MQTT 3.1.1 client. */
final class PahoV3Link implements MqttLink, MqttCallbackExtended {
  private static final short MAX_INFLIGHT = MqttException.REASON_CODE_MAX_INFLIGHT;

  private final MqttAsyncClient client;
  private final MqttConnectOptions connectOptions;
  private final Listener listener;
  private final long connectWaitMillis;
  private final long requestWaitMillis;

  PahoV3Link(MqttOptions o, SSLSocketFactory sslFactory, Listener listener, int maxInflight)
      throws MqttException {
    this.listener = listener;
    // In-flight QoS 2 state of a persistent session lives as long as this process: the broker
    // holds the session itself.
    this.client = new MqttAsyncClient(o.serverUris().get(0), o.clientId(), new MemoryPersistence());
    client.setCallback(this);
    MqttConnectOptions c = new MqttConnectOptions();
    c.setServerURIs(o.serverUris().toArray(new String[0]));
    c.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
    c.setCleanSession(o.cleanSession());
    c.setAutomaticReconnect(false); // MqttTelemetrySource reconnects (also after a failed start)
    if (maxInflight > 0) {
      c.setMaxInflight(maxInflight); // MqttPublisher's; a subscriber keeps Paho's default
    }
    c.setKeepAliveInterval((int) o.keepAlive().getSeconds());
    c.setConnectionTimeout((int) Math.max(1, o.connectTimeout().toSeconds()));
    if (o.username() != null) {
      c.setUserName(o.username());
    }
    if (o.password() != null) {
      c.setPassword(o.password().toCharArray());
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
    int[] q = new int[filters.length];
    java.util.Arrays.fill(q, qos);
    IMqttToken t = client.subscribe(filters, q);
    t.waitForCompletion(requestWaitMillis);
    return t.getGrantedQos();
  }

  @Override
  public Pending publish(String topic, byte[] payload, int qos) throws MqttException {
    IMqttDeliveryToken t;
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
  public void connectionLost(Throwable cause) {
    listener.lost(cause);
  }

  @Override
  public void connectComplete(boolean reconnect, String serverUri) {
    // MqttTelemetrySource learns the outcome from connect()
  }

  @Override
  public void deliveryComplete(IMqttDeliveryToken token) {
    // subscriber only
  }
}
