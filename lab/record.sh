#!/usr/bin/env bash
# record.sh - a labelled recording of the namespace lab (lab/lib.sh), readable by
#   vigil evaluate --dataset pcap --data OUT_DIR
#
# Usage: sudo lab/record.sh OUT_DIR
#
# Benign: BENIGN_FILES captures of BENIGN_SECS seconds each of the whole lab (all devices, the gateway's services
# and the broker; one device_type "vigil-lab", so the evaluation's by-file split - rank mod 5 per device_type -
# gets learning, threshold and test files). Attacks: one capture per phase of lib.sh, PAD_SECS of benign traffic
# before and after the attack, the devices publishing throughout. Everything is captured on br0 in the gateway
# namespace (tcpdump, snaplen 256).
#
# OUT_DIR gets benign/*.pcap, attack/NN-PHASE.pcap, labels.csv, phases.csv (lib.sh's phase log) and README.md.
# labels.csv columns: file,label,device_type,description,packets,first_packet_epoch,last_packet_epoch,bytes,
# sha256,attacker,victim,attack_type,start_epoch,end_epoch. An attack row's attacker / victim / window come from
# the phase; for exfil and beacon the attacker is the compromised camera and the victim the drop site (the
# attacker namespace), as in lib.sh. Descriptions say "... from <attacker ip> ..." too, for older readers.
#
# Environment: BENIGN_FILES (5), BENIGN_SECS (60), PAD_SECS (10), WARMUP_SECS (8), MAX_TOTAL_BYTES (12 MB: fail
# above). Everything is torn down on exit, also on error and Ctrl-C.
set -euo pipefail

BENIGN_FILES=${BENIGN_FILES:-5}
BENIGN_SECS=${BENIGN_SECS:-60}
PAD_SECS=${PAD_SECS:-10}
WARMUP_SECS=${WARMUP_SECS:-8}
MAX_TOTAL_BYTES=${MAX_TOTAL_BYTES:-$((12 * 1024 * 1024))}
DEVICE_TYPE=vigil-lab

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
[[ $# -eq 1 ]] || {
  echo "usage: $0 OUT_DIR" >&2
  exit 2
}
for v in BENIGN_FILES BENIGN_SECS PAD_SECS WARMUP_SECS; do
  [[ ${!v} =~ ^[0-9]+$ ]] || {
    echo "$v must be a whole number" >&2
    exit 2
  }
done
((BENIGN_FILES >= 5)) || echo "note: BENIGN_FILES < 5 leaves the evaluation's split without a test or threshold file" >&2
OUT_DIR=$1

# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"
# bound every background process by the whole recording's length (plus a margin)
LAB_LIFETIME=$((WARMUP_SECS + BENIGN_FILES * (BENIGN_SECS + 3) + ${#LAB_ATTACKS[@]} * (2 * PAD_SECS + 60) + 120))

log() { printf '[record %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { _lab_die "$@"; }

lab_up
lab_broker_start
lab_services_start
lab_devices_start
mkdir -p "$OUT_DIR/benign" "$OUT_DIR/attack"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
rm -f "$OUT_DIR"/benign/*.pcap "$OUT_DIR"/attack/*.pcap
log "warming up ${WARMUP_SECS}s"
sleep "$WARMUP_SECS"

ROWS=()
# row FILE LABEL DESCRIPTION ATTACKER VICTIM TYPE START END: one labels.csv row, with the file's own figures
row() {
  local f=$1 p first last
  p=$(tcpdump -r "$OUT_DIR/$f" -nn -tt 2>/dev/null | awk 'NR == 1 {f = $1} {l = $1; n++} END {printf "%d %s %s", n, f, l}')
  read -r n first last <<<"$p"
  ROWS+=("$f,$2,$DEVICE_TYPE,$3,$n,$first,$last,$(stat -c %s "$OUT_DIR/$f"),$(sha256sum "$OUT_DIR/$f" | cut -d' ' -f1),$4,$5,$6,$7,$8")
}

for ((i = 1; i <= BENIGN_FILES; i++)); do
  f=benign/lab-benign-$i.pcap
  log "benign capture $i/$BENIGN_FILES: ${BENIGN_SECS}s -> $f"
  lab_capture_start "$OUT_DIR/$f"
  sleep "$BENIGN_SECS"
  lab_capture_stop
  row "$f" benign "benign traffic of the Vigil lab (thermostat camera plug hub meter; MQTT HTTP DNS NTP)" "" "" "" "" ""
done

k=0
for a in "${LAB_ATTACKS[@]}"; do
  k=$((k + 1))
  f=$(printf 'attack/%02d-%s.pcap' "$k" "$a")
  log "attack capture $k/${#LAB_ATTACKS[@]}: $a -> $f"
  lab_capture_start "$OUT_DIR/$f"
  sleep "$PAD_SECS"
  "lab_attack_$a"
  sleep "$PAD_SECS"
  lab_capture_stop
  IFS=, read -r phase type attacker victim t0 t1 < <(tail -n 1 "$LAB_DIR/phases.csv")
  [[ $phase == "$a" ]] || die "phases.csv out of step: expected $a, got $phase"
  case $a in
    exfil) what="exfil: bulk HTTP upload from $attacker (compromised camera) to the drop site $victim" ;;
    beacon) what="beacon: periodic small HTTP requests from $attacker (compromised camera) to the C2 host $victim" ;;
    *) what="$a ($type) from $attacker against $victim" ;;
  esac
  row "$f" attack "$what" "$attacker" "$victim" "$type" "$t0" "$t1"
  n=$(tcpdump -r "$OUT_DIR/$f" -nn "src host $attacker" 2>/dev/null | wc -l)
  log "$f: $n packets from $attacker"
  ((n > 0)) || die "$f holds no packet from the attacker $attacker"
done
lab_devices_stop

{
  echo "file,label,device_type,description,packets,first_packet_epoch,last_packet_epoch,bytes,sha256,attacker,victim,attack_type,start_epoch,end_epoch"
  printf '%s\n' "${ROWS[@]}"
} >"$OUT_DIR/labels.csv"
cp "$LAB_DIR/phases.csv" "$OUT_DIR/phases.csv"

total=$(du -cb "$OUT_DIR"/benign/*.pcap "$OUT_DIR"/attack/*.pcap | tail -n 1 | cut -f1)
((total <= MAX_TOTAL_BYTES)) || die "the recording is $total bytes, more than MAX_TOTAL_BYTES=$MAX_TOTAL_BYTES"

# ---------------------------------------------------------------- README
commit=$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
if [[ -n $(git -C "$REPO_ROOT" status --porcelain -- lab 2>/dev/null) ]]; then commit="$commit (lab/ modified)"; fi
ver() { "$@" 2>&1 | head -n 1 || true; }
{
  cat <<EOF
# Vigil lab recording

Recorded by \`lab/record.sh\` (repository commit $commit) on $(date -u +%FT%TZ), kernel $(uname -r), entirely inside
the throw-away network namespaces of \`lab/lib.sh\`: one bridge \`br0\` in the gateway namespace, one namespace per
device and one for the attacker, no default route anywhere and nothing in the host namespace, so the captures
hold lab traffic only. Captured with \`tcpdump -i br0 -s $LAB_SNAPLEN -U\` in the gateway namespace (snaplen
$LAB_SNAPLEN: payloads are truncated); IPv6 off, \`gso_max_segs 1\` on every veth (wire-sized frames).

Read it with \`vigil evaluate --dataset pcap --data $(basename "$OUT_DIR")\`: the attack rows' \`attacker\`,
\`start_epoch\` and \`end_epoch\` columns make only the attacker's windows overlapping the phase attacks.

Tools: $(ver tcpdump --version), $(ver nmap --version | sed 's/ ( https:\/\/nmap.org )//'),
$(ver hping3 --version | sed 's/ (\$Id.*//'), $(ver mosquitto -h), $(ver curl --version | cut -d' ' -f1-2),
Python $("$LAB_PY" -c 'import platform; print(platform.python_version())').

## Lab ($LAB_SUBNET.0/24)

| Host | IP | Behaviour |
|---|---|---|
| gateway | $LAB_GW_IP | Mosquitto $LAB_MQTT_PORT (password file, per-device ACLs, no anonymous), HTTP :8080, DNS-like UDP :53, NTP-like UDP :123 |
| thermostat-11 | $LAB_SUBNET.11 | MQTT telemetry (temp/humidity) every 2 s |
| camera-12 | $LAB_SUBNET.12 | MQTT telemetry (fps/bitrate) every 5 s; listens TCP 80, 554 |
| plug-13 | $LAB_SUBNET.13 | MQTT telemetry (relay/power) every 5 s |
| hub-14 | $LAB_SUBNET.14 | MQTT telemetry (batteries) every 10 s; listens TCP 23 |
| meter-15 | $LAB_SUBNET.15 | MQTT telemetry (power/voltage/energy) every 1 s |
| attacker | $LAB_ATTACKER_IP | the attacks; drop site / C2 (HTTP :8443) of exfil and beacon |

Every device keeps one MQTT connection (QoS 1, JSON with \`ts\` in epoch ms) and also sends DNS-like queries
(~20 s), NTP-like requests (~30 s) and HTTP GETs (10-30 s) to the gateway.

## Files

Benign: $BENIGN_FILES captures of ${BENIGN_SECS} s, device_type \`$DEVICE_TYPE\` (the whole lab). Attacks: one
capture per phase, ${PAD_SECS} s of benign traffic before and after the attack. In all $total bytes.

| File | Label | Packets | Bytes | Attacker | Victim | Type | Phase (s from capture start) |
|---|---|---|---|---|---|---|---|
EOF
  for r in "${ROWS[@]}"; do
    IFS=, read -r f l _ _ n first _ b _ at vi ty s e <<<"$r"
    if [[ -n $s ]]; then
      span=$(awk -v a="$s" -v b="$e" -v f="$first" 'BEGIN{printf "%.1f-%.1f", a-f, b-f}')
    else span=""; fi
    echo "| $f | $l | $n | $b | $at | $vi | $ty | $span |"
  done
  cat <<EOF

Commands of the phases (all from the attacker namespace unless said; see \`lab/lib.sh\`): scan_syn \`nmap -n -sS -T4
--max-retries 1 --max-rate 800 -p 1-1024,1883,8080\` on the five devices; scan_telnet \`nmap -n -sS -T4 -p 23,2323
$LAB_SUBNET.0/24\`; flood_syn \`hping3 -S -p 80 -i u2000 -c $LAB_FLOOD_COUNT\` to the camera; flood_udp \`hping3
--udp -p 5683 -d 64 -i u2000 -c $LAB_FLOOD_COUNT\` to the meter; mqtt_bruteforce $LAB_BRUTE_COUNT \`mosquitto_pub\`
connections with wrong passwords for thermostat-11; mqtt_flood \`mosquitto_pub\` with the stolen plug-13 password,
$LAB_MQTT_FLOOD_TOPICS topics x $LAB_MQTT_FLOOD_REPEAT messages (the broker's ACL drops them, the traffic is on
the wire); exfil: the camera uploads $LAB_EXFIL_BYTES random bytes with \`curl --limit-rate $LAB_EXFIL_RATE\` to
$LAB_ATTACKER_IP:8443; beacon: the camera polls $LAB_ATTACKER_IP:8443 $LAB_BEACON_COUNT times every
$LAB_BEACON_INTERVAL s.

Re-record: \`sudo lab/record.sh DIR\` (timings, ports and payloads differ from run to run; the shape does not).
Licence: Apache License 2.0, like the rest of Vigil.
EOF
} >"$OUT_DIR/README.md"
if [[ -n ${SUDO_UID:-} ]]; then chown -R "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$OUT_DIR" 2>/dev/null || true; fi
log "done: $OUT_DIR ($total bytes of captures, $((${#ROWS[@]})) rows)"
