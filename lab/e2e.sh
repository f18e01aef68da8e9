#!/usr/bin/env bash
# lab/e2e.sh - the live end-to-end test: the Vigil daemon guards the lab's bridge for real.
#
# Usage: sudo lab/e2e.sh [--out DIR] [--write docs/RESULTS.md]
#
# In the traffic lab of lab/lib.sh (network namespaces only; nothing leaves them) the daemon runs in the gateway
# namespace: it captures br0, subscribes to the lab's Mosquitto for the devices' telemetry, and quarantines through
# nftables (its own bridge and inet tables in that namespace). The test then checks, failing on the first miss:
#   1. learning: the daemon learns the lab's benign baseline (packets and telemetry) on the device;
#   2. soak: SOAK_SECS of benign traffic raise no quarantine, while the broker is restarted and br0 goes down and up
#      (telemetry and capture must recover on their own); with LAB_CONTINUAL=1, at its start a device of a type never
#      seen while learning joins (the speaker, lab_device_start): with continual learning on (model.continual, a round
#      every CONTINUAL_EVERY), it must never be quarantined, and its alerts must stop within its grace (GRACE_SECS);
#   3. attack phases (lab_attack_<phase>): each must raise an alert naming its attacker's MAC (ether.src_mac: LAN
#      senders are decided by MAC) and get that MAC quarantined in nftables within DETECT_LIMIT s of the phase's
#      start; then the attacker's traffic must be dropped (ping and TCP to the gateway fail), the other devices'
#      telemetry must keep flowing, and lifting the decision over REST must restore the attacker's reach (so the next
#      phase starts clean). In the spoof phases the attacker sends with the plug's address: its alert must say
#      spoofed: true, and the plug must never be decided on and keep working (ping and TCP to the gateway) while the
#      attacker's MAC is quarantined. A phase that is not detected in time is a failure unless listed in ALLOW_MISS
#      (reported either way);
#   4. SIGKILL: the daemon is killed during a live quarantine and started again: the decision and the alerts survive,
#      the element is in nftables once, and no decision is made twice.
# With LAB_CONTINUAL=1 (not yet passing, so not what scripts/test runs; see the README) a slow ramp runs through it
# all as well: the thermostat polls the gateway's HTTP service at RAMP_RATE/s from the start (its
# learned rate), and from the end of the soak its rate grows by RAMP_FACTOR per minute, while the model retrains every
# CONTINUAL_EVERY on what did not alert; it must be alerted on as a sender before it reaches ten times its learned rate.
# Per phase it reports detected or not, time to detect, time to quarantine, the packet-to-decision latency (first
# packet of the alerting window to the decision stored and applied), and false alerts in the benign periods:
# $OUT/results.json, a table on stdout, and with --write the lab-e2e section of that file (docs/RESULTS.md).
#
# Needs root, the packages of lab/lib.sh, Java 17 and a built daemon (gateway-daemon/target/vigil.jar; VIGIL_HOME
# overrides). Everything the lab starts is stopped and its namespaces deleted on exit, also on failure or Ctrl-C.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

LEARN_SECS=${LEARN_SECS:-150}      # benign time the daemon learns from (packets and telemetry)
SOAK_SECS=${SOAK_SECS:-240}        # benign soak after learning (with a broker restart and a link flap in it)
DETECT_LIMIT=${DETECT_LIMIT:-60}   # seconds from a phase's start to its quarantine
GAP_SECS=${GAP_SECS:-20}           # benign gap between phases
PHASES=${PHASES:-"scan_syn scan_telnet flood_syn flood_udp mqtt_bruteforce mqtt_flood exfil beacon spoof_flood spoof_scan"}
ALLOW_MISS=${ALLOW_MISS:-""}       # phases allowed to go undetected (reported as missed)
WINDOW=${WINDOW:-2s}               # host window length
LAB_CONTINUAL=${LAB_CONTINUAL:-0}  # 1: continual learning on, with the new device and the slow ramp checks
CONTINUAL_EVERY=${CONTINUAL_EVERY:-3m} # model.continual.every: the packet model retrains this often
GRACE_SECS=${GRACE_SECS:-150}      # model.continual.grace: a new device's grace
RAMP_RATE=${RAMP_RATE:-0.5}        # the slow ramp's learned rate, requests/s
RAMP_FACTOR=${RAMP_FACTOR:-1.25}   # its growth per minute after the soak (ten times in about 10 min)
NEW_DEVICE=16                      # the device type that joins mid-soak (lib.sh LAB_LATE_DEVICES)
RAMP_DEVICE=11                     # the slow ramp's sender (the thermostat)
API_PORT=8787

OUT=""
WRITE=""
while (($#)); do
  case $1 in
    --out) OUT=$2; shift 2 ;;
    --write) WRITE=$(readlink -f "$2"); shift 2 ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "e2e: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ((LAB_CONTINUAL)); then
  LAB_LATE_DEVICES=("$NEW_DEVICE") # attached from the start, silent until it joins
fi
# shellcheck source=lab/lib.sh
. "$REPO/lab/lib.sh"

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
fail() {
  log "FAIL: $*"
  FAILED="$*"
  exit 1
}
now() { date +%s.%3N; }

VIGIL_HOME=${VIGIL_HOME:-$REPO/gateway-daemon/target}
[[ -f $VIGIL_HOME/vigil.jar ]] || { echo "e2e: $VIGIL_HOME/vigil.jar not found; build with mvn -DskipTests package" >&2; exit 69; }
command -v java >/dev/null || { echo "e2e: java not found" >&2; exit 69; }

lab_up
OUT=${OUT:-$LAB_DIR/out}
mkdir -p "$OUT"
OUT=$(readlink -f "$OUT")
RESULTS="$OUT/phases.tsv"
printf 'phase\tattack_type\tattacker\tvictim\tstart\tend\talert_at\tdecision_at\tnft_at\tdropped\ttelemetry_ok\tlifted_ok\tfirst_packet_at\tnft_added_at\n' >"$RESULTS"
FAILED=""
DAEMON_PID=""

stop_daemon() {
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
  DAEMON_PID=""
}
on_exit() {
  local rc=$?
  set +e
  stop_daemon
  cp -f "$LAB_DIR/phases.csv" "$LAB_DIR"/daemon*.log "$LAB_DIR/eve.json" "$LAB_DIR/ramp.log" "$OUT/" 2>/dev/null
  ((rc == 0)) || log "the daemon's log: $OUT/daemon.log (kept with the results in $OUT)"
  lab_cleanup
  exit "$rc"
}
trap on_exit EXIT

# ---------------------------------------------------------------- the daemon's configuration
TOKEN=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32 || true)
printf '%s\n' "$TOKEN" >"$LAB_DIR/api-token"
printf '%s\n' "$LAB_VIGIL_MQTT_PASSWORD" >"$LAB_DIR/mqtt-password"
chmod 600 "$LAB_DIR/api-token" "$LAB_DIR/mqtt-password"
cat >"$LAB_DIR/policy.yaml" <<EOF
# The lab's policy: quarantine a LAN host that opened traffic the detector finds anomalous: at once when critical
# with a score of 5 or more (5 times the 99th percentile of normal), at severity high in 2 windows within 10 s, or at
# severity medium in 3, for 10 minutes. One odd window (a device reconnecting after a
# broker restart) or a host that only answered an attacker (a scanned device's RSTs) is an alert only, and so is
# every host when three or more turn odd within 30 s (all devices reconnecting after the bridge came back). A host
# that polls a peer it never talked to while the daemon learned, on a steady clock (a beacon), or that the broker
# refused 10 logins within 60 s (password guessing), is quarantined at once, and so is a host the scan detector
# (failed first-contact attempts, Threshold Random Walk) or the flood detector (its packet rate far past its learned
# baseline, CUSUM) names as the sender; a flood's target is never quarantined.
dry-run: false
surge-guard: {hosts: 3, within: 30s$( ((LAB_CONTINUAL)) && echo ', look-back: 4s' || true)}
max-decisions-per-minute: 10
time-zone: UTC
escalation: {factor: 2, max-duration: 1d, look-back: 1h}
rules:
  - name: quarantine-lan-scanners
    match: {kind: packet, detector: scan, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-flooders
    match: {kind: packet, detector: flood, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-beacons
    match: {kind: packet, detector: beacon, min-severity: high, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-password-guessers
    match: {kind: packet, detector: auth, scope: ip, cidr: [$LAB_SUBNET.0/24]}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-initiators-extreme
    match: {kind: packet, min-severity: critical, min-score: 5, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-initiators-high
    match: {kind: packet, min-severity: high, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator, min-alerts: 2, within: 10s}
    action: quarantine
    duration: 10m
  - name: quarantine-lan-initiators-medium
    match: {kind: packet, min-severity: medium, scope: ip, cidr: [$LAB_SUBNET.0/24], role: initiator, min-alerts: 3, within: 10s}
    action: quarantine
    duration: 10m
  - name: alert-on-telemetry
    match: {kind: telemetry, min-severity: medium}
    action: alert
    duration: 5m
    escalate: false
EOF
cat >"$LAB_DIR/vigil.yaml" <<EOF
api: {host: 127.0.0.1, port: $API_PORT}
capture:
  interface: br0
  promiscuous: true
  immediate: true
  timeout: 50ms
features:
  set: host-window
  window: $WINDOW
  beacon: {learn: ${LEARN_SECS}s}
  flood: {learn: ${LEARN_SECS}s}
model:
  bundle: $LAB_DIR/model.vigil
  learn: {duration: ${LEARN_SECS}s, min-vectors: 200}
$( ((LAB_CONTINUAL)) && echo "  continual: {every: $CONTINUAL_EVERY, min-vectors: 200, grace: ${GRACE_SECS}s}" || true)
alerts:
  eve-log: $LAB_DIR/eve.json
telemetry:
  mqtt:
    brokers: [tcp://127.0.0.1:$LAB_MQTT_PORT]
    client-id: vigil-lab
    username: $LAB_VIGIL_MQTT_USER
    password-file: $LAB_DIR/mqtt-password
    qos: 1
    reconnect: {min-delay: 100ms, max-delay: 2s}
  topics: ['devices/{device}/telemetry']
  payload: {format: json, timestamp-field: ts}
  step: 2s
  model:
    bundle: $LAB_DIR/telemetry.vigil
    learn: {duration: ${LEARN_SECS}s, min-vectors: 100}
mitigation:
  policy: $LAB_DIR/policy.yaml
  store: $LAB_DIR/vigil.db
  token-file: $LAB_DIR/api-token
  actions:
    quarantine: [nftables, log]
    alert: [log]
  mitigators:
    nftables: {inetTable: vigil_lab, bridgeTable: vigil_lab}
  sweep: 1s
EOF
# where the daemon runs: check-config also checks the machine (br0 exists only in the gateway namespace)
ip netns exec "$LAB_NS_GW" env VIGIL_HOME="$VIGIL_HOME" "$REPO/bin/vigil" check-config "$LAB_DIR/vigil.yaml" \
  >"$LAB_DIR/check-config.txt" 2>&1 ||
  fail "the lab's daemon configuration does not validate: $(cat "$LAB_DIR/check-config.txt")"

# ---------------------------------------------------------------- REST helpers (inside the gateway namespace)
api() { # api METHOD PATH: the body on stdout; fails on a transport error
  ip netns exec "$LAB_NS_GW" curl -sS -m 10 -X "$1" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT$2"
}
# jq-less JSON: python3 evaluates EXPR with the parsed body as `j`.
pyj() { "$LAB_PY" -c "import json,sys; j=json.load(sys.stdin); print($1)"; }
health_component() { api GET /health | pyj "json.dumps(j['components'].get('$1', {}))"; }
prom_value() { # prom_value METRIC_PREFIX: the sum of the matching samples, 0 if none
  api GET /prometheus | awk -v m="$1" 'index($0, m) == 1 { s += $NF } END { printf "%.0f\n", s + 0 }'
}

start_daemon() { # start_daemon LOGNAME
  # setsid execs (this background job is no group leader), so $! is the JVM itself: SIGKILL reaches the daemon, not
  # a wrapper. Its lifetime is bounded by lab_cleanup, which kills everything in the lab's namespaces.
  ip netns exec "$LAB_NS_GW" env VIGIL_HOME="$VIGIL_HOME" setsid "$REPO/bin/vigil" \
    run --config "$LAB_DIR/vigil.yaml" >"$LAB_DIR/$1.log" 2>&1 &
  DAEMON_PID=$!
  _lab_track "$DAEMON_PID"
  for _ in $(seq 1 150); do
    if api GET /health >/dev/null 2>&1; then return 0; fi
    kill -0 "$DAEMON_PID" 2>/dev/null || fail "the daemon exited at start: $(tail -20 "$LAB_DIR/$1.log")"
    sleep 0.2
  done
  fail "the daemon's API did not come up in 30 s"
}

# wait_until SECONDS WHAT CMD...: polls CMD (0.5 s) until it succeeds; fails the test after SECONDS.
wait_until() {
  local limit=$1 what=$2 t0
  shift 2
  t0=$(date +%s)
  until "$@"; do
    (($(date +%s) - t0 < limit)) || fail "$what (waited $limit s)"
    sleep 0.5
  done
}

models_learned() { # the packet model in service (learned, or loaded from its bundle), telemetry connected
  api GET /health 2>/dev/null | pyj "'ok' if 'origin' in j['components'].get('model', {}).get('details', {}) and j['components'].get('telemetry', {}).get('details', {}).get('connected') else ''" 2>/dev/null | grep -c ok >/dev/null
}
metric_above() { (($(prom_value "$1") > $2)); } # metric_above METRIC_PREFIX N

decisions_live() { api GET /decisions | pyj "len([d for d in j if d['action'] != 'alert'])"; }
decision_for() { # decision_for IP SINCE_EPOCH: "id created" of a live detector decision for IP made since then
  api GET /decisions | pyj "'\n'.join(d['id'] + ' ' + d['created'] for d in j if d['value'] == '$1' and d['origin'] == 'detector' and __import__('datetime').datetime.fromisoformat(d['created'][:26].rstrip('Z') + '+00:00').timestamp() >= $2)"
}
# settle ALLOWED_IPS...: lifts every live quarantine (the tail of the last phase, the attacker's traffic in the gap);
# one on any other address is a false quarantine, recorded. Alert-only decisions (telemetry) are left alone.
FALSE_QUARANTINES=()
settle() {
  local live id value
  live=$(api GET /decisions | pyj "'\n'.join(d['id'] + ' ' + d['value'] for d in j if d['action'] == 'quarantine')")
  while read -r id value; do
    [[ -n $id ]] || continue
    case " $* " in
      *" $value "*) ;;
      *) FALSE_QUARANTINES+=("$value"); log "false quarantine of $value: $(api GET /decisions)" ;;
    esac
    api DELETE "/decisions/$id" >/dev/null
  done <<<"$live"
}
first_alert_for() { # first_alert_for MAC SINCE_EPOCH: "detected_at id window_start" of its first alert since then
  api GET '/alerts?limit=10000' | pyj "'\n'.join(sorted((a['vigil']['detected_at'] + ' ' + a['vigil']['id'] + ' ' + a['vigil']['window_start']) for a in j if a.get('ether', {}).get('src_mac') == '$1' and __import__('datetime').datetime.fromisoformat(a['vigil']['detected_at'].replace('Z','+00:00')).timestamp() >= $2)[:1])"
}
spoofed_alerts() { # spoofed_alerts ADDRESS MAC SINCE_EPOCH: how many alerts on ADDRESS since then say MAC spoofed it
  api GET '/alerts?limit=10000' | pyj "len([a for a in j if a.get('src_ip') == '$1' and a.get('ether', {}).get('src_mac') == '$2' and a['vigil'].get('spoofed') is True and __import__('datetime').datetime.fromisoformat(a['vigil']['detected_at'].replace('Z','+00:00')).timestamp() >= $3])"
}
decisions_on() { # decisions_on VALUE... : how many decisions (lifted ones too) name one of the values
  api GET '/decisions?all=true' | pyj "len([d for d in j if d['value'] in '$*'.split()])"
}
# Under pipefail, `cmd | grep -q` can fail although grep matched: grep exits at the match and cmd dies of SIGPIPE while
# still writing (a CI run reported a live quarantine as missing that way). Here, and in lib.sh, grep -c reads all.
in_nft() { ip netns exec "$LAB_NS_GW" nft list set bridge vigil_lab quarantine4 2>/dev/null | grep -cw "$1" >/dev/null; }
in_nft_mac() { ip netns exec "$LAB_NS_GW" nft list set bridge vigil_lab quarantine_mac 2>/dev/null | grep -ciw "$1" >/dev/null; }
epoch_of() { date -d "$1" +%s.%3N; }

# telemetry_flows DEVICE_NAME: a reading from it reaches the broker within 25 s. The slowest device (the hub)
# publishes every 10 s +-3 %: a 10 s wait missed it now and then (a CI run failed on it).
telemetry_flows() {
  ip netns exec "$LAB_NS_GW" timeout 27 mosquitto_sub -h 127.0.0.1 -p "$LAB_MQTT_PORT" -u "$LAB_VIGIL_MQTT_USER" \
    -P "$LAB_VIGIL_MQTT_PASSWORD" -t "devices/$1/telemetry" -C 1 -W 25 >/dev/null 2>&1
}

# ---------------------------------------------------------------- 1. learning
lab_broker_start
lab_services_start
lab_devices_start
RAMP_IP=""
RAMP_MAC=""
if ((LAB_CONTINUAL)); then
  RAMP_IP=$LAB_SUBNET.$RAMP_DEVICE
  RAMP_MAC=$(lab_mac_of "$RAMP_IP")
  lab_ramp_start "$RAMP_DEVICE" "$RAMP_RATE" "$RAMP_FACTOR" "$LAB_DIR/ramp-start"
fi
start_daemon daemon
T_LEARN=$(now)
log "daemon up (pid $DAEMON_PID); learning the benign baseline for $LEARN_SECS s"
wait_until $((LEARN_SECS + 240)) "the daemon did not finish learning" models_learned
T_LEARNED=$(now)
log "learned in $(awk -v a="$T_LEARN" -v b="$T_LEARNED" 'BEGIN{printf "%.0f", b-a}') s"
[[ $(decisions_live) == 0 ]] || fail "decisions made while learning: $(api GET /decisions)"

# ---------------------------------------------------------------- 2. benign soak with faults
log "benign soak: $SOAK_SECS s (broker restart at 1/4, br0 down 3 s at 1/2)"
T_SOAK=$(now)
ALERTS_BEFORE_SOAK=$(api GET '/alerts?limit=10000' | pyj "len(j)")
if ((LAB_CONTINUAL)); then
  NEW_IP=$LAB_SUBNET.$NEW_DEVICE
  NEW_MAC=$(lab_mac_of "$NEW_IP")
  lab_device_start "$NEW_DEVICE"
  T_NEW=$(now)
fi
_lab_sleep $((SOAK_SECS / 4))
RECONNECTS0=$(prom_value vigil_telemetry_reconnects_total)
lab_broker_restart
wait_until 60 "telemetry did not reconnect after the broker restart" \
  metric_above vigil_telemetry_reconnects_total "$RECONNECTS0"
READINGS0=$(prom_value vigil_telemetry_readings_total)
_lab_sleep $((SOAK_SECS / 4))
READINGS1=$(prom_value vigil_telemetry_readings_total)
((READINGS1 > READINGS0)) || fail "no telemetry read after the broker restart ($READINGS0 -> $READINGS1)"
PACKETS0=$(prom_value vigil_packets_read_total)
lab_link_flap 3
_lab_sleep 5
wait_until 60 "capture did not recover after br0 went down and up" \
  metric_above vigil_packets_read_total "$PACKETS0"
_lab_sleep $((SOAK_SECS / 2))
T_SOAK_END=$(now)
SOAK_ALERTS=$(api GET '/alerts?limit=10000' | pyj "len(j)")
SOAK_ALERTS=$((SOAK_ALERTS - ALERTS_BEFORE_SOAK))
[[ $(decisions_live) == 0 ]] || fail "quarantine during the benign soak: $(api GET /decisions)"
log "soak: no quarantine; $SOAK_ALERTS alert(s) (kept as alerts only) in $SOAK_SECS s"
if ((LAB_CONTINUAL)); then
  T_RAMP=$(now)
  printf '%s\n' "$T_RAMP" >"$LAB_DIR/ramp-start"
  log "slow ramp: $RAMP_IP's polling grows by $RAMP_FACTOR per minute from now"
fi

# ---------------------------------------------------------------- 3. attack phases
device_names_except() { # device_names_except IP: the names of the devices other than IP and the slow ramp's sender
  local d
  for d in "${LAB_DEVICES[@]}"; do
    [[ "$LAB_SUBNET.$d" == "$1" || "$LAB_SUBNET.$d" == "$RAMP_IP" ]] || printf '%s\n' "${LAB_DEVICE_NAME[$d]}"
  done
}
# ramp_check: the slow ramp's first alert as a sender since it began ("detected_at detector"); once there is one the
# ramp stops (its sender's quarantine, if any, is lifted by the next settle: it is the ramp's detection, not a false one)
RAMP_ALERT=""
ramp_check() {
  ((LAB_CONTINUAL)) && [[ -z $RAMP_ALERT ]] || return 0
  RAMP_ALERT=$(api GET '/alerts?limit=10000' | pyj "'\n'.join(sorted(a['vigil']['detected_at'] + ' ' + (a['vigil'].get('detector') or 'ensemble') for a in j if a.get('src_ip') == '$RAMP_IP' and a['vigil'].get('role') != 'responder' and __import__('datetime').datetime.fromisoformat(a['vigil']['detected_at'].replace('Z','+00:00')).timestamp() >= $T_RAMP)[:1])")
  if [[ -n $RAMP_ALERT ]]; then
    lab_ramp_stop
    log "slow ramp: first alert on $RAMP_IP as a sender: $RAMP_ALERT (rate $(ramp_factor_at "$(epoch_of "${RAMP_ALERT%% *}")") times the learned one)"
  fi
}
ramp_factor_at() { # ramp_factor_at EPOCH: the ramp's rate over its learned rate at that time (ramp.log)
  awk -v t="$1" '$1 <= t { f = $2 } END { printf "%.2f\n", f + 0 }' "$LAB_DIR/ramp.log"
}
ns_of_ip() { # the namespace of a lab address
  local last=${1##*.}
  if [[ $1 == "$LAB_ATTACKER_IP" ]]; then echo "$LAB_NS_ATK"; else lab_ns_of_device "$last"; fi
}

# When a quarantine really lands: nftables' own change events, each line stamped with the wall clock as nft prints it
# (line-buffered through stdbuf), for the first-attack-packet-to-nftables latency of each phase.
NFT_LOG=$LAB_DIR/nft-monitor.log
: >"$NFT_LOG"
_lab_bg "$LAB_NS_GW" nft-monitor "$LAB_LIFETIME" bash -c 'stdbuf -oL nft monitor | "$0" -u -c "
import sys, time
for line in sys.stdin:
    print(\"%.6f %s\" % (time.time(), line.rstrip()), flush=True)" >"$1"' "$LAB_PY" "$NFT_LOG"
# first_packet_watch PHASE MAC: tcpdump on br0 waits for the first frame MAC sends (kernel timestamp, µs; an ARP
# request too: nmap's host discovery is the scan's first step, and the window detector may already decide on it) and
# exits; started before the attack and ready when this returns. Not for the phases whose attacker is a device with
# benign traffic of its own (exfil, beacon): its first packet would not be the attack's.
first_packet_watch() {
  : >"$LAB_DIR/first-$1.log"
  _lab_bg "$LAB_NS_GW" "first-$1" $((DETECT_LIMIT + 120)) tcpdump -i br0 -n -l -tt --time-stamp-precision=micro \
    -c 1 "ether src $2"
  for _ in $(seq 1 50); do
    grep -c 'listening on' "$LAB_DIR/first-$1.log" >/dev/null && return 0
    sleep 0.1
  done
  log "tcpdump for $1's first packet did not start"
}
first_packet_at() { awk '$1 ~ /^[0-9]+\.[0-9]+$/ { print $1; exit }' "$LAB_DIR/first-$1.log"; }
# nft_added_at MAC SINCE_EPOCH: when an element with MAC was first added since then; where nft monitor printed no
# element lines (it leaves out the elements of sets it has not cached), when the first transaction since then was
# committed ("# new generation"): nothing else changes nftables between a phase's start and its quarantine.
nft_added_at() {
  awk -v m="$1" -v t="$2" '
    $1 + 0 >= t && /add element/ && index(tolower($0), m) { print $1; found = 1; exit }
    $1 + 0 >= t && /# new generation/ && gen == "" { gen = $1 }
    END { if (!found && gen != "") print gen }' "$NFT_LOG"
}

PHASE_FAILS=()
prev_attacker=""
for phase in $PHASES; do
  declare -F "lab_attack_$phase" >/dev/null || fail "no attack phase lab_attack_$phase in lab/lib.sh"
  ramp_check
  settle "$(lab_mac_of "$LAB_ATTACKER_IP")" ${prev_attacker:+"$(lab_mac_of "$prev_attacker")"} ${RAMP_MAC:+"$RAMP_MAC"}
  log "phase $phase"
  spoofed_before=0
  [[ $phase == spoof_* ]] && spoofed_before=$(decisions_on "$LAB_SPOOFED_IP" "$(lab_mac_of "$LAB_SPOOFED_IP")")
  lines_before=$(wc -l <"$LAB_DIR/phases.csv")
  case $phase in exfil | beacon) ;; *) first_packet_watch "$phase" "$(lab_mac_of "$LAB_ATTACKER_IP")" ;; esac
  "lab_attack_$phase"
  row=$(tail -n +$((lines_before + 1)) "$LAB_DIR/phases.csv" | head -1)
  IFS=, read -r _ ptype attacker victim pstart pend <<<"$row"
  [[ -n $attacker ]] || fail "phase $phase wrote no label row"
  prev_attacker=$attacker
  amac=$(lab_mac_of "$attacker") # a LAN sender: decided by its MAC
  # wait for the quarantine (bounded from the phase's start)
  decision=""
  quarantined=""
  while :; do
    decision=$(decision_for "$amac" "$pstart")
    [[ -n $decision ]] && in_nft_mac "$amac" && { quarantined=yes; break; }
    awk -v s="$pstart" -v n="$(now)" -v l="$DETECT_LIMIT" 'BEGIN{exit !(n - s > l)}' && break
    sleep 0.5
  done
  alert=$(first_alert_for "$amac" "${pstart%.*}")
  alert_at=""; decision_at=""; nft_at=""; dropped=""; telemetry_ok=""; lifted_ok=""
  [[ -n $alert ]] && alert_at=$(epoch_of "${alert%% *}")
  if [[ -z $quarantined ]]; then
    log "phase $phase: attacker $attacker NOT quarantined within $DETECT_LIMIT s (alert: ${alert:-none})"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t\t\t\t\t\t%s\t\n' "$phase" "$ptype" "$attacker" "$victim" "$pstart" "$pend" \
      "$alert_at" "$(first_packet_at "$phase" 2>/dev/null)" >>"$RESULTS"
    case " $ALLOW_MISS " in
      *" $phase "*) ;;
      *) PHASE_FAILS+=("$phase: not quarantined within $DETECT_LIMIT s") ;;
    esac
    # let the rest of the phase's traffic age out of the windows before the next phase
    _lab_sleep "$GAP_SECS"
    continue
  fi
  nft_at=$(now)
  did=${decision%% *}
  decision_at=$(epoch_of "${decision#* }")
  # the attacker's traffic is dropped: at the gateway (inet input) and across the bridge
  ans=$(ns_of_ip "$attacker")
  dropped=yes
  lab_ping "$ans" "$LAB_GW_IP" >/dev/null 2>&1 && dropped=no
  lab_can_reach "$ans" "$LAB_GW_IP" 8080 && dropped=no
  other=$(lab_ns_of_device 14)
  [[ $attacker == "$LAB_SUBNET.14" ]] && other=$(lab_ns_of_device 11)
  lab_ping "$ans" "$LAB_SUBNET.${other##*d}" >/dev/null 2>&1 && dropped=no
  if [[ $phase == spoof_* ]]; then # the plug, whose address the attacker used, keeps working and is never decided
    pns=$(lab_ns_of_device "${LAB_SPOOFED_IP##*.}")
    lab_ping "$pns" "$LAB_GW_IP" >/dev/null 2>&1 || PHASE_FAILS+=("$phase: the plug cannot ping the gateway")
    lab_can_reach "$pns" "$LAB_GW_IP" 8080 || PHASE_FAILS+=("$phase: the plug cannot reach the gateway over TCP")
    n=$(spoofed_alerts "$LAB_SPOOFED_IP" "$amac" "${pstart%.*}")
    ((n > 0)) || PHASE_FAILS+=("$phase: no alert on $LAB_SPOOFED_IP from $amac says spoofed: true")
    log "phase $phase: $n alert(s) on $LAB_SPOOFED_IP say $amac spoofed it; the plug reaches the gateway"
  fi
  # the other devices' telemetry keeps flowing
  telemetry_ok=yes
  while read -r name; do
    telemetry_flows "$name" || { telemetry_ok=no; log "no telemetry from $name while $attacker is quarantined"; }
  done < <(device_names_except "$attacker")
  # lift it over REST; the attacker reaches the gateway again
  api DELETE "/decisions/$did" >/dev/null
  lifted_ok=no
  for _ in $(seq 1 20); do
    if ! in_nft_mac "$amac" && lab_ping "$ans" "$LAB_GW_IP" >/dev/null 2>&1; then lifted_ok=yes; break; fi
    sleep 0.5
  done
  if [[ $lifted_ok == no ]]; then # say why: still in nftables (by which decision) or unreachable
    log "after lifting $did: in nftables: $(in_nft_mac "$amac" && echo yes || echo no); decisions on $amac:" \
      "$(api GET '/decisions?all=true' | pyj "'; '.join(d['id'][:8] + ' ' + d['state'] + ' ' + d['created'] + ' ' + d['reason'][-60:] for d in j if d['value'] == '$amac')")"
  fi
  first_at=$(first_packet_at "$phase" 2>/dev/null || true)
  added_at=$(nft_added_at "$amac" "$pstart")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$ptype" "$attacker" "$victim" \
    "$pstart" "$pend" "$alert_at" "$decision_at" "$nft_at" "$dropped" "$telemetry_ok" "$lifted_ok" "$first_at" \
    "$added_at" >>"$RESULTS"
  if [[ -n $first_at && -n $added_at ]]; then
    log "phase $phase: first attack packet $first_at, in nftables $added_at:" \
      "$(awk -v a="$first_at" -v b="$added_at" 'BEGIN{printf "%.0f", (b - a) * 1000}') ms"
  fi
  log "phase $phase: quarantined $attacker $(awk -v a="$pstart" -v b="$decision_at" 'BEGIN{printf "%.1f", b-a}') s after its start; dropped=$dropped telemetry=$telemetry_ok lifted=$lifted_ok"
  [[ $dropped == yes ]] || PHASE_FAILS+=("$phase: $attacker still reaches the network while quarantined")
  [[ $telemetry_ok == yes ]] || PHASE_FAILS+=("$phase: other devices' telemetry stopped")
  [[ $lifted_ok == yes ]] || PHASE_FAILS+=("$phase: lifting the decision did not restore $attacker")
  _lab_sleep "$GAP_SECS"
  if [[ $phase == spoof_* ]]; then # also after the gap: the tail of the phase must not have decided on the plug
    n=$(decisions_on "$LAB_SPOOFED_IP" "$(lab_mac_of "$LAB_SPOOFED_IP")")
    ((n == spoofed_before)) || PHASE_FAILS+=("$phase: the plug ($LAB_SPOOFED_IP) was decided on: $(api GET '/decisions?all=true')")
  fi
done

# ---------------------------------------------------------------- continual learning: the new device, the slow ramp
# The ramp goes on until it is alerted on or reaches ten times its learned rate (bounded: 12 minutes past the phases).
if ((LAB_CONTINUAL)); then
for _ in $(seq 1 144); do
  ramp_check
  [[ -n $RAMP_ALERT ]] && break
  awk -v f="$(ramp_factor_at "$(now)")" 'BEGIN{exit !(f >= 10)}' && break
  _lab_sleep 5
done
ramp_check
lab_ramp_stop
if [[ -n $RAMP_ALERT ]]; then
  RAMP_AT=$(ramp_factor_at "$(epoch_of "${RAMP_ALERT%% *}")")
  awk -v f="$RAMP_AT" 'BEGIN{exit !(f < 10)}' ||
    PHASE_FAILS+=("slow ramp: first alerted at $RAMP_AT times its learned rate (goal: before 10)")
else
  RAMP_AT=""
  PHASE_FAILS+=("slow ramp: not alerted on; it reached $(ramp_factor_at "$(now)") times its learned rate")
fi
T_END=$(now)
NEW_DECISIONS=$(decisions_on "$NEW_IP" "$NEW_MAC")
((NEW_DECISIONS == 0)) || PHASE_FAILS+=("new device $NEW_IP was decided on: $(api GET '/decisions?all=true')")
# its alerts as a sender: in its grace, and after it (from one window past its end)
read -r NEW_IN_GRACE NEW_AFTER_GRACE < <(api GET '/alerts?limit=10000' | pyj "(lambda ts: ' '.join(str(n) for n in (len([a for a in j if a.get('src_ip') == '$NEW_IP' and a['vigil'].get('role') != 'responder' and $T_NEW <= ts(a) < $T_NEW + $GRACE_SECS]), len([a for a in j if a.get('src_ip') == '$NEW_IP' and a['vigil'].get('role') != 'responder' and ts(a) >= $T_NEW + $GRACE_SECS + ${WINDOW%s}]))))(lambda a: __import__('datetime').datetime.fromisoformat(a['vigil']['window_start'].replace('Z','+00:00')).timestamp())")
((NEW_AFTER_GRACE == 0)) ||
  PHASE_FAILS+=("new device $NEW_IP: $NEW_AFTER_GRACE alert(s) as a sender after its grace of $GRACE_SECS s")
log "new device $NEW_IP: $NEW_DECISIONS decision(s); as a sender $NEW_IN_GRACE alert(s) in its grace, $NEW_AFTER_GRACE after"
health_component model >"$OUT/model-health.json"
"$LAB_PY" -c 'import json, sys; json.dump(dict(zip(sys.argv[1::2], sys.argv[2::2])), sys.stdout)' \
  new_device "$NEW_IP" new_start "$T_NEW" grace_s "$GRACE_SECS" new_decisions "$NEW_DECISIONS" \
  new_alerts_in_grace "$NEW_IN_GRACE" new_alerts_after_grace "$NEW_AFTER_GRACE" end "$T_END" \
  ramp_device "$RAMP_IP" ramp_rate "$RAMP_RATE" ramp_factor_per_min "$RAMP_FACTOR" ramp_start "$T_RAMP" \
  ramp_alert "$RAMP_ALERT" ramp_alerted_at_factor "$RAMP_AT" every "$CONTINUAL_EVERY" >"$OUT/continual.json"
fi

# ---------------------------------------------------------------- 4. SIGKILL during a live quarantine
settle "$(lab_mac_of "$LAB_ATTACKER_IP")" ${prev_attacker:+"$(lab_mac_of "$prev_attacker")"} ${RAMP_MAC:+"$RAMP_MAC"}
((${#FALSE_QUARANTINES[@]} == 0)) || PHASE_FAILS+=("false quarantines of devices: ${FALSE_QUARANTINES[*]}")
log "SIGKILL: a live quarantine, the daemon killed and started again"
KILL_IP=$LAB_ATTACKER_IP
ip netns exec "$LAB_NS_GW" curl -sS -m 10 -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"scope\":\"ip\",\"value\":\"$KILL_IP\",\"action\":\"quarantine\",\"ttl\":\"30m\",\"reason\":\"e2e: kept across SIGKILL\"}" \
  "http://127.0.0.1:$API_PORT/decisions" >"$LAB_DIR/kill-decision.json"
KILL_ID=$(pyj "j['id']" <"$LAB_DIR/kill-decision.json") || fail "could not post a decision: $(cat "$LAB_DIR/kill-decision.json")"
wait_until 10 "the posted quarantine is not in nftables" in_nft "$KILL_IP"
DEC_BEFORE=$(api GET '/decisions?all=true' | pyj "'\n'.join(sorted(d['id'] + ' ' + d['state'] for d in j))")
ALERTS_BEFORE=$(api GET '/alerts?limit=10000' | pyj "'\n'.join(sorted(a['vigil']['id'] for a in j))")
RULES_BEFORE=$(ip netns exec "$LAB_NS_GW" nft -a list ruleset | grep -c ' drop ' || true)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
api GET /health >/dev/null 2>&1 && fail "the daemon still answers after SIGKILL"
[[ -z $(ip netns pids "$LAB_NS_GW" | xargs -r -n1 ps -o comm= -p | grep -x java || true) ]] || fail "a JVM survived SIGKILL"
in_nft "$KILL_IP" || fail "the quarantine vanished from nftables when the daemon died"
lab_ping "$LAB_NS_ATK" "$LAB_GW_IP" >/dev/null 2>&1 && fail "the attacker got through while the daemon was down"
T_RESTART=$(date +%s)
start_daemon daemon-restarted
wait_until 60 "the restarted daemon did not load its learned models" models_learned
_lab_sleep 5
DEC_AFTER=$(api GET '/decisions?all=true' | pyj "'\n'.join(sorted(d['id'] + ' ' + d['state'] for d in j))")
ALERTS_AFTER=$(api GET '/alerts?limit=10000' | pyj "'\n'.join(sorted(a['vigil']['id'] for a in j))")
RULES_AFTER=$(ip netns exec "$LAB_NS_GW" nft -a list ruleset | grep -c ' drop ' || true)
grep -qx "$KILL_ID live" <<<"$DEC_AFTER" || fail "the live quarantine did not survive SIGKILL: $DEC_AFTER"
missing=$(comm -23 <(printf '%s\n' "$ALERTS_BEFORE") <(printf '%s\n' "$ALERTS_AFTER"))
[[ -z $missing ]] || fail "alerts lost across SIGKILL: $missing"
lost_dec=$(comm -23 <(printf '%s\n' "$DEC_BEFORE" | cut -d' ' -f1) <(printf '%s\n' "$DEC_AFTER" | cut -d' ' -f1))
[[ -z $lost_dec ]] || fail "decisions lost across SIGKILL: $lost_dec"
n_elem=$(ip netns exec "$LAB_NS_GW" nft list set bridge vigil_lab quarantine4 | grep -o "$KILL_IP" | wc -l)
[[ $n_elem == 1 ]] || fail "the quarantine is in the bridge set $n_elem times after the restart"
[[ $RULES_AFTER == "$RULES_BEFORE" ]] || fail "nftables rules changed across the restart ($RULES_BEFORE -> $RULES_AFTER drop rules)"
new_for_kill=$(api GET '/decisions?all=true' | pyj "len([d for d in j if d['value'] == '$KILL_IP' and d['id'] != '$KILL_ID' and __import__('datetime').datetime.fromisoformat(d['created'][:26].rstrip('Z') + '+00:00').timestamp() >= $T_RESTART])")
[[ $new_for_kill == 0 ]] || fail "a second decision for $KILL_IP after the restart: $(api GET '/decisions?all=true')"
log "SIGKILL: decision $KILL_ID live, $(wc -l <<<"$ALERTS_BEFORE") alerts kept, one nft element, rules unchanged"
api DELETE "/decisions/$KILL_ID" >/dev/null

# ---------------------------------------------------------------- report
api GET '/alerts?limit=10000' >"$OUT/alerts.json"
api GET '/decisions?all=true' >"$OUT/decisions.json"
cp "$LAB_DIR/phases.csv" "$OUT/phases.csv"
if ((LAB_CONTINUAL)); then cp "$LAB_DIR/ramp.log" "$OUT/ramp.log"; fi
REPORT_ARGS=(--results "$RESULTS" --alerts "$OUT/alerts.json" --decisions "$OUT/decisions.json" --learn "$T_LEARN"
  --learned "$T_LEARNED" --soak "$T_SOAK" --soak-end "$T_SOAK_END" --soak-alerts "$SOAK_ALERTS" --window "$WINDOW"
  --repo "$REPO" --false-quarantines "${#FALSE_QUARANTINES[@]}" --attacker-ns "$LAB_ATTACKER_IP"
  --json "$OUT/results.json")
if ((LAB_CONTINUAL)); then
  REPORT_ARGS+=(--continual "$OUT/continual.json" --model-health "$OUT/model-health.json" --ramp-log "$OUT/ramp.log")
fi
# kept so that the report can be drawn again from this run's files: lab/e2e-report.py $(cat report-args)
printf '%q ' "${REPORT_ARGS[@]}" >"$OUT/report-args"
"$LAB_PY" "$REPO/lab/e2e-report.py" "${REPORT_ARGS[@]}" ${WRITE:+--write "$WRITE"}
# The daemon's eve log, complete once it stopped: every line must be what Suricata's tools accept.
stop_daemon
"$REPO/scripts/check-eve" "$LAB_DIR/eve.json" || fail "eve.json: lines that Suricata's or Vigil's schema rejects (above)"
if ((${#PHASE_FAILS[@]})); then
  printf '%s\n' "${PHASE_FAILS[@]}" >&2
  fail "${#PHASE_FAILS[@]} phase check(s) failed"
fi
log "PASS"
