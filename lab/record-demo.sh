#!/usr/bin/env bash
# record-demo.sh - record Vigil's demo captures inside a throw-away network-namespace lab.
#
# Usage: sudo lab/record-demo.sh [OUTPUT_DIR]
#   OUTPUT_DIR defaults to gateway-daemon/src/main/resources/demo (relative to the repository root).
#
# Everything happens inside network namespaces created by this script (prefix "vd<PID>-"):
#   gateway ns : bridge br0 10.77.0.1/24, HTTP :8080, CoAP-like UDP :5683, DNS-like UDP :53, MQTT-like TCP :1883
#   device  ns : 10.77.0.11 camera, .12 sensor, .13 plug, .14 hub (MAC 02:00:00:00:00:<last octet>)
#   attacker ns: 10.77.0.66 (MAC 02:00:00:00:00:66)
# No namespace has a default route and no veth end is ever placed in the host namespace,
# so no packet can leave the lab. Everything is torn down on EXIT (also on error / Ctrl-C).
#
# Outputs: demo-benign.pcap, demo-attack.pcap, demo-labels.csv, README.md
set -euo pipefail

# ---------------------------------------------------------------- parameters
BENIGN_SECS=${BENIGN_SECS:-600}         # length of the benign (training) capture
ATTACK_SECS=${ATTACK_SECS:-150}         # length of the attack capture
SYN_SCAN_AT=60           # seconds into the attack capture
FLOOD_AT=110             # seconds into the attack capture
FLOOD_COUNT=3000         # datagrams in the UDP burst (bounded)
FLOOD_SECS=5             # spread over this many seconds
SNAPLEN=${SNAPLEN:-128}
SUBNET=10.77.0
GW_IP=$SUBNET.1
ATTACKER_IP=$SUBNET.66
FLOOD_VICTIM=$SUBNET.13
DEVICES=(11 12 13 14)
declare -A ROLE=([11]=camera [12]=sensor [13]=plug [14]=hub)
MAX_SIZE=${MAX_SIZE:-$((4 * 1024 * 1024))}

PFX="vd$$-"
NS_GW="${PFX}gw"
NS_ATK="${PFX}atk"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
OUT_DIR=${1:-$REPO_ROOT/gateway-daemon/src/main/resources/demo}

log() { printf '[record-demo %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- preflight
[[ $EUID -eq 0 ]] || die "must run as root (network namespaces, raw sockets, tcpdump)"

missing=()
for t in ip tcpdump nmap python3 timeout date awk sort; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
((${#missing[@]} == 0)) || die "missing required tools: ${missing[*]}"
PY=$(command -v python3)
if command -v curl >/dev/null 2>&1; then HTTP_CLIENT=curl; else HTTP_CLIENT=urllib; log "curl not found - devices use python3 urllib"; fi
"$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 7) else 1)' || die "python3 >= 3.7 required"

# Remove stale state of earlier runs of THIS script only: namespaces named vd<PID>-* whose PID is gone.
while read -r ns _; do
    [[ $ns =~ ^vd([0-9]+)-[a-z0-9]+$ ]] || continue
    owner=${BASH_REMATCH[1]}
    [[ $owner == "$$" ]] && continue
    kill -0 "$owner" 2>/dev/null && continue
    log "removing stale namespace $ns (owner PID $owner gone)"
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
done < <(ip netns list 2>/dev/null)

# ---------------------------------------------------------------- cleanup
PIDS=()        # background processes started by this script
NSS=()         # namespaces created by this script
VETHS=()       # gateway-side veth names (in $NS_GW)
WORK=$(mktemp -d /tmp/vigil-demo.XXXXXX)

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for ns in "${NSS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
    done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
    for ns in "${NSS[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
    for v in "${VETHS[@]}"; do ip -n "$NS_GW" link del "$v" 2>/dev/null; done
    for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
    ((rc == 0)) || log "aborted (rc=$rc); lab torn down"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- helper programs
mkdir -p "$WORK/www" "$WORK/cap"

cat > "$WORK/mkwww.py" <<'PY'
import os, random, sys
root = sys.argv[1]
rnd = random.Random(7731)
os.makedirs(os.path.join(root, "cam"), exist_ok=True)
os.makedirs(os.path.join(root, "api"), exist_ok=True)
os.makedirs(os.path.join(root, "fw"), exist_ok=True)
for i in range(8):
    size = rnd.randint(20 * 1024, 60 * 1024)
    body = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rnd.getrandbits(8) for _ in range(size - 13)) + b"\xff\xd9"
    open(os.path.join(root, "cam", "snapshot_%d.jpg" % i), "wb").write(body)
open(os.path.join(root, "api", "state.json"), "w").write('{"relay":"on","power_w":41.7,"uptime":86400}\n')
open(os.path.join(root, "fw", "manifest.json"), "w").write('{"latest":"2.4.1","sha256":"%064x"}\n' % rnd.getrandbits(256))
open(os.path.join(root, "index.html"), "w").write("<html><body>vigil demo gateway</body></html>\n")
PY

# Gateway services: coap (UDP echo-ish), dns (UDP, answers any A query), mqtt (TCP), banner (TCP).
cat > "$WORK/svc.py" <<'PY'
import socket, socketserver, struct, sys, threading, time
mode, host, port, lifetime = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + lifetime

def coap_reply(d):
    if len(d) < 4:
        return b"ok"
    tkl = d[0] & 0x0F
    return bytes([0x60 | tkl, 0x45]) + d[2:4] + d[4:4 + tkl] + b"\xff" + b'{"ack":1}'

def dns_reply(d):
    try:
        qid, = struct.unpack("!H", d[:2])
        i = 12
        while d[i] != 0:
            i += d[i] + 1
        q = d[12:i + 5]
        hdr = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
        ans = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(host)
        return hdr + q + ans
    except Exception:
        return b"ok"

if mode in ("coap", "dns"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.settimeout(1.0)
    f = coap_reply if mode == "coap" else dns_reply
    while time.monotonic() < deadline:
        try:
            d, a = s.recvfrom(2048)
        except socket.timeout:
            continue
        s.sendto(f(d), a)
    sys.exit(0)

class MQTT(socketserver.BaseRequestHandler):
    def handle(self):
        c = self.request
        c.settimeout(15)
        try:
            while True:
                d = c.recv(1024)
                if not d:
                    return
                t = d[0] & 0xF0
                if t == 0x10:
                    c.sendall(b"\x20\x02\x00\x00")          # CONNACK
                elif t == 0xC0:
                    c.sendall(b"\xd0\x00")                  # PINGRESP
                elif t == 0x80 and len(d) > 3:
                    c.sendall(b"\x90\x03" + d[2:4] + b"\x00")  # SUBACK
                elif t == 0xE0:
                    return
        except OSError:
            return

class Banner(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.request.settimeout(3)
            self.request.sendall(b"\r\nBusyBox v1.19 built-in shell\r\nlogin: ")
            self.request.recv(64)
        except OSError:
            pass

class Srv(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

srv = Srv((host, port), MQTT if mode == "mqtt" else Banner)
threading.Thread(target=srv.serve_forever, daemon=True).start()
while time.monotonic() < deadline:
    time.sleep(0.5)
srv.shutdown()
PY

# Device behaviour. Each activity is a loop bounded in iterations and by a deadline.
cat > "$WORK/agent.py" <<'PY'
import os, random, shutil, socket, struct, subprocess, sys, threading, time, urllib.request
role, dur, seed, gw = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
deadline = time.monotonic() + dur
CURL = shutil.which("curl") if os.environ.get("HTTP_CLIENT", "curl") == "curl" else None
UA = {"camera": "ipcam-fw/3.2", "sensor": "sensor/1.0", "plug": "smartplug/2.1", "hub": "zb-hub/5.0"}[role]
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def http_get(path):
    url = "http://%s:8080%s" % (gw, path)
    if CURL:
        subprocess.run([CURL, "-s", "-o", "/dev/null", "--noproxy", "*", "-m", "10", "-A", UA, url],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=15)
    else:
        req = urllib.request.Request(url, headers={"User-Agent": UA})
        OPENER.open(req, timeout=10).read()

def udp(port, payload):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        s.sendto(payload, (gw, port))
        s.recvfrom(2048)
    finally:
        s.close()

def coap(rnd, path=(b"sensors", b"temp")):
    mid = rnd.getrandbits(16)
    tok = bytes([rnd.getrandbits(8)])
    msg = bytes([0x41, 0x02]) + struct.pack("!H", mid) + tok
    msg += bytes([0xB0 | len(path[0])]) + path[0] + bytes([len(path[1])]) + path[1]
    msg += b"\xff" + ('{"v":%.2f}' % rnd.uniform(18, 26)).encode()
    udp(5683, msg)

def dns(rnd, name):
    q = struct.pack("!HHHHHH", rnd.getrandbits(16), 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00" + struct.pack("!HH", 1, 1)
    udp(53, q)

def mqtt(rnd, topic, keepalive_ping=False):
    cid = ("%s-%04x" % (role, seed)).encode()
    vh = b"\x00\x04MQTT\x04\x02\x00\x3c"
    body = vh + struct.pack("!H", len(cid)) + cid
    s = socket.create_connection((gw, 1883), timeout=5)
    try:
        s.sendall(bytes([0x10, len(body)]) + body)
        s.recv(4)
        pl = ('{"v":%.1f}' % rnd.uniform(0, 100)).encode()
        pub = struct.pack("!H", len(topic)) + topic.encode() + pl
        s.sendall(bytes([0x30, len(pub)]) + pub)
        if keepalive_ping:
            s.sendall(b"\xc0\x00")
            s.recv(2)
        s.sendall(b"\xe0\x00")
    finally:
        s.close()

def csum(b):
    if len(b) % 2:
        b += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF

PING_SEQ = [0]
def ping(rnd):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(1.0)
    try:
        PING_SEQ[0] += 1
        ident = (os.getpid() ^ seed) & 0xFFFF
        payload = bytes(range(48))
        hdr = struct.pack("!BBHHH", 8, 0, 0, ident, PING_SEQ[0])
        hdr = struct.pack("!BBHHH", 8, 0, csum(hdr + payload), ident, PING_SEQ[0])
        s.sendto(hdr + payload, (gw, 0))
        s.recvfrom(2048)
    finally:
        s.close()

def every(k, period, fn):
    rnd = random.Random(seed * 100 + k)
    maxn = int(dur / period * 1.5) + 2
    def run():
        time.sleep(min(rnd.uniform(0, period), max(0.0, deadline - time.monotonic())))
        for i in range(maxn):
            if time.monotonic() >= deadline:
                return
            try:
                fn(rnd, i)
            except Exception:
                pass
            rest = deadline - time.monotonic()
            if rest <= 0:
                return
            time.sleep(min(rest, period * rnd.uniform(0.7, 1.3)))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t

acts = []
if role == "camera":
    acts.append(every(1, 2.0, lambda r, i: http_get("/cam/snapshot_%d.jpg" % (i % 8))))
    acts.append(every(2, 30.0, lambda r, i: dns(r, "ntp.vigil.lan")))
elif role == "sensor":
    acts.append(every(1, 1.0, lambda r, i: coap(r)))
    acts.append(every(2, 5.0, lambda r, i: mqtt(r, "sensors/12/temp")))
elif role == "plug":
    acts.append(every(1, 3.0, lambda r, i: dns(r, "cloud.plugvendor.lan")))
    acts.append(every(2, 4.0, lambda r, i: http_get("/api/state.json")))
elif role == "hub":
    acts.append(every(1, 5.0, lambda r, i: ping(r)))
    acts.append(every(2, 3.0, lambda r, i: coap(r, (b"zigbee", b"devs"))))
    acts.append(every(3, 10.0, lambda r, i: mqtt(r, "hub/14/status", keepalive_ping=True)))
    acts.append(every(4, 8.0, lambda r, i: http_get("/fw/manifest.json")))
    acts.append(every(5, 7.0, lambda r, i: dns(r, "hub.vendor.lan")))
for t in acts:
    t.join(max(0.0, deadline - time.monotonic()) + 12)
PY

# Bounded UDP burst with random destination ports (Mirai "udpplain"-like).
cat > "$WORK/flood.py" <<'PY'
import random, socket, sys, time
target, count, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
rnd = random.Random(6666)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
t0 = time.monotonic()
for i in range(count):
    delay = t0 + i * secs / count - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    try:
        s.sendto(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(16, 64))), (target, rnd.randint(1024, 65535)))
    except OSError:
        pass
PY

"$PY" "$WORK/mkwww.py" "$WORK/www"

# ---------------------------------------------------------------- lab topology
mkns() {
    ip netns add "$1"
    NSS+=("$1")
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
}

log "creating lab namespaces with prefix $PFX"
mkns "$NS_GW"
ip -n "$NS_GW" link add br0 type bridge forward_delay 0 stp_state 0
ip -n "$NS_GW" link set br0 address 02:00:00:00:00:01
ip -n "$NS_GW" addr add "$GW_IP/24" dev br0

attach() {   # attach <ns> <last-octet>
    local ns=$1 n=$2 port="v$2"
    mkns "$ns"
    ip -n "$NS_GW" link add "$port" address "02:00:00:00:01:$n" type veth \
        peer name eth0 address "02:00:00:00:00:$n" netns "$ns"
    VETHS+=("$port")
    # one packet per MSS on the wire (no GSO super-frames in the capture)
    ip -n "$NS_GW" link set "$port" gso_max_segs 1 master br0 up
    ip -n "$ns" link set eth0 gso_max_segs 1 up
    ip -n "$ns" addr add "$SUBNET.$n/24" dev eth0
}
for d in "${DEVICES[@]}"; do attach "${PFX}d$d" "$d"; done
attach "$NS_ATK" 66
ip -n "$NS_GW" link set br0 gso_max_segs 1 up

# sanity: no default route anywhere, everything reachable on the bridge
for ns in "${NSS[@]}"; do
    if ip -n "$ns" route show default | grep -q .; then die "unexpected default route in $ns"; fi
done

# ---------------------------------------------------------------- services
SVC_LIFETIME=$((BENIGN_SECS + ATTACK_SECS + 180))
bg() {   # bg <ns> <logname> cmd...  (started under timeout, tracked for cleanup)
    local ns=$1 name=$2; shift 2
    ip netns exec "$ns" timeout -k 5 "$SVC_LIFETIME" "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=("$!")
}
log "starting gateway services"
bg "$NS_GW" http "$PY" -m http.server 8080 --bind "$GW_IP" --directory "$WORK/www"
bg "$NS_GW" coap "$PY" "$WORK/svc.py" coap "$GW_IP" 5683 "$SVC_LIFETIME"
bg "$NS_GW" dns "$PY" "$WORK/svc.py" dns "$GW_IP" 53 "$SVC_LIFETIME"
bg "$NS_GW" mqtt "$PY" "$WORK/svc.py" mqtt "$GW_IP" 1883 "$SVC_LIFETIME"
# a few device-side listeners so the scans find something open (camera web/RTSP, hub telnet)
bg "${PFX}d11" cam80 "$PY" "$WORK/svc.py" banner "$SUBNET.11" 80 "$SVC_LIFETIME"
bg "${PFX}d11" cam554 "$PY" "$WORK/svc.py" banner "$SUBNET.11" 554 "$SVC_LIFETIME"
bg "${PFX}d14" hub23 "$PY" "$WORK/svc.py" banner "$SUBNET.14" 23 "$SVC_LIFETIME"

wait_port() {  # wait_port <ns> <proto> <port>
    local i
    for i in $(seq 1 50); do
        ip netns exec "$1" ss -Hln"${2:0:1}" "sport = :$3" 2>/dev/null | grep -q . && return 0
        sleep 0.2
    done
    die "service $2/$3 in $1 did not come up"
}
wait_port "$NS_GW" tcp 8080; wait_port "$NS_GW" udp 5683; wait_port "$NS_GW" udp 53; wait_port "$NS_GW" tcp 1883
wait_port "${PFX}d11" tcp 80; wait_port "${PFX}d11" tcp 554; wait_port "${PFX}d14" tcp 23
ip netns exec "$NS_ATK" "$PY" -c "import socket; s=socket.create_connection(('$GW_IP',8080),timeout=3); s.close()" \
    || die "attacker cannot reach gateway - bridge broken"
# forget the check's neighbour entries so the gateway does not ARP-probe the attacker during the benign capture
sleep 1
for ns in "${NSS[@]}"; do ip -n "$ns" neigh flush all 2>/dev/null || true; done

# ---------------------------------------------------------------- capture helpers
CAP_PID=
start_capture() {   # start_capture <file>
    local f=$1 i
    ip netns exec "$NS_GW" tcpdump -Z root -i br0 -s "$SNAPLEN" -U -nn -w "$f" 2>"$f.log" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    for i in $(seq 1 50); do
        grep -q "listening on" "$f.log" 2>/dev/null && { sleep 0.5; return 0; }
        sleep 0.1
    done
    die "tcpdump did not start: $(cat "$f.log")"
}
stop_capture() {
    sleep 1
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait "$CAP_PID" 2>/dev/null || true
    CAP_PID=
}
AGENT_PIDS=()
start_devices() {   # start_devices <seconds> <seed-base>
    local secs=$1 base=$2 d
    AGENT_PIDS=()
    for d in "${DEVICES[@]}"; do
        HTTP_CLIENT=$HTTP_CLIENT ip netns exec "${PFX}d$d" timeout -k 5 $((secs + 20)) \
            "$PY" "$WORK/agent.py" "${ROLE[$d]}" "$secs" $((base + d)) "$GW_IP" >"$WORK/agent-$d.log" 2>&1 &
        AGENT_PIDS+=("$!"); PIDS+=("$!")
    done
}
wait_devices() { local p; for p in "${AGENT_PIDS[@]}"; do wait "$p" || true; done; }
now() { date +%s.%N; }
sleep_until() { local s; s=$(awk -v t="$1" -v n="$(now)" 'BEGIN{d=t-n; printf "%.3f", (d>0)?d:0}'); sleep "$s"; }
LABELS=("file,phase,label,attacker,victim,start_epoch,end_epoch")
label() { LABELS+=("$1,$2,$3,$4,$5,$6,$7"); }

# ---------------------------------------------------------------- capture 1: benign
BEN=$WORK/cap/demo-benign.pcap
log "capture 1: ${BENIGN_SECS}s benign traffic -> demo-benign.pcap"
start_capture "$BEN"
B0=$(now)
start_devices "$BENIGN_SECS" 1000
wait_devices
B1=$(now)
stop_capture
label demo-benign.pcap benign benign "" "" "$B0" "$B1"

# ---------------------------------------------------------------- capture 2: benign + attacks
ATT=$WORK/cap/demo-attack.pcap
log "capture 2: ${ATTACK_SECS}s benign traffic with attacks -> demo-attack.pcap"
start_capture "$ATT"
A0=$(now)
start_devices "$ATTACK_SECS" 2000

sleep_until "$(awk -v a="$A0" -v o="$SYN_SCAN_AT" 'BEGIN{printf "%.6f", a+o}')"
log "attack: SYN scan of $SUBNET.10-20 ports 1-1024"
S0=$(now)
ip netns exec "$NS_ATK" timeout -k 5 90 nmap -n -sS -T4 -p 1-1024 "$SUBNET.10-20" >"$WORK/nmap-syn.log" 2>&1 \
    || log "warning: SYN scan exited non-zero"
S1=$(now)
log "attack: Mirai-like telnet scan of $SUBNET.0/24 ports 23,2323"
T0=$(now)
ip netns exec "$NS_ATK" timeout -k 5 60 nmap -n -sS -T4 --max-retries 1 -p 23,2323 "$SUBNET.0/24" >"$WORK/nmap-telnet.log" 2>&1 \
    || log "warning: telnet scan exited non-zero"
T1=$(now)

sleep_until "$(awk -v a="$A0" -v o="$FLOOD_AT" 'BEGIN{printf "%.6f", a+o}')"
log "attack: UDP burst of $FLOOD_COUNT datagrams to $FLOOD_VICTIM over ${FLOOD_SECS}s"
F0=$(now)
ip netns exec "$NS_ATK" timeout -k 5 $((FLOOD_SECS + 15)) "$PY" "$WORK/flood.py" "$FLOOD_VICTIM" "$FLOOD_COUNT" "$FLOOD_SECS" \
    || log "warning: flood exited non-zero"
F1=$(now)
wait_devices
A1=$(now)
stop_capture

label demo-attack.pcap benign-pre benign "" "" "$A0" "$S0"
label demo-attack.pcap syn-scan portscan "$ATTACKER_IP" "$SUBNET.10-20" "$S0" "$S1"
label demo-attack.pcap telnet-scan telnet_scan "$ATTACKER_IP" "$SUBNET.0/24" "$T0" "$T1"
label demo-attack.pcap benign-mid benign "" "" "$T1" "$F0"
label demo-attack.pcap udp-flood udp_flood "$ATTACKER_IP" "$FLOOD_VICTIM" "$F0" "$F1"
label demo-attack.pcap benign-post benign "" "" "$F1" "$A1"
printf '%s\n' "${LABELS[@]}" > "$WORK/cap/demo-labels.csv"

# ---------------------------------------------------------------- verification
per_source() {  # packets per source IP (ARP counted by sender protocol address)
    tcpdump -r "$1" -nn 2>/dev/null | awk '
        / IP / { for (i = 1; i <= NF; i++) if ($i == "IP") { s = $(i + 1); n = split(s, a, ".");
                 if (n == 5) s = a[1] "." a[2] "." a[3] "." a[4]; sub(/:$/, "", s); c[s]++; break }; next }
        / ARP, / { s = "arp-other";
                   if (match($0, /tell [0-9.]+/)) s = substr($0, RSTART + 5, RLENGTH - 5);
                   else if (match($0, /Reply [0-9.]+ is-at/)) { split(substr($0, RSTART + 6), b, " "); s = b[1] }
                   c[s]++; next }
        { c["other"]++ }
        END { for (k in c) printf "%8d  %s\n", c[k], k }' | sort -k1,1nr
}
declare -A COUNT
for f in "$BEN" "$ATT"; do
    b=$(basename "$f")
    tcpdump -r "$f" -nn 2>/dev/null | head -n 5 >&2 || true
    COUNT[$b]=$(tcpdump -r "$f" -nn 2>/dev/null | wc -l)
    sz=$(stat -c %s "$f")
    log "$b: ${COUNT[$b]} packets, $sz bytes"
    ((COUNT[$b] > 100)) || die "$b has suspiciously few packets"
    ((sz < MAX_SIZE)) || die "$b is larger than 3 MB ($sz bytes)"
done
PER_SRC=$(per_source "$ATT")
log "packets per source in demo-attack.pcap:"; printf '%s\n' "$PER_SRC" >&2

# ---------------------------------------------------------------- README
rel() { awk -v t="$1" -v z="$2" 'BEGIN{printf "%7.1f", t-z}'; }
utc() { date -u -d "@$1" +%FT%T.%3NZ; }
{
cat <<EOF
# Vigil demo captures

Self-recorded, synthetic captures used as Vigil's demo data. They were produced by
\`lab/record-demo.sh\` on $(date -u +%F) (kernel $(uname -r)) entirely inside private Linux
network namespaces: no namespace had a default route and no interface was attached to the
host, so the captures contain only lab traffic and no real hosts or personal data.

Tools: $(tcpdump --version 2>&1 | head -n1), $(tcpdump --version 2>&1 | sed -n 2p), $(nmap --version | head -n1 | sed 's/ ( https:\/\/nmap.org )//'),
Python $("$PY" -c 'import platform; print(platform.python_version())'), HTTP client: $( [[ $HTTP_CLIENT == curl ]] && curl --version | head -n1 | cut -d' ' -f1-2 || echo "python3 urllib").

Captured with \`tcpdump -i br0 -s $SNAPLEN -U -w FILE\` on the gateway bridge (snaplen $SNAPLEN, so
payloads are truncated). IPv6 was disabled in the lab and TCP segmentation offload was avoided
(gso_max_segs 1), so every frame in the files is a real on-the-wire sized IPv4/ARP frame.

## IP plan (10.77.0.0/24, one bridge \`br0\` in the gateway namespace)

| Host | IP | MAC | Behaviour |
|---|---|---|---|
| gateway | 10.77.0.1 | 02:00:00:00:00:01 | HTTP :8080 (python http.server), CoAP-like UDP :5683, DNS-like UDP :53, MQTT-like TCP :1883 |
| camera | 10.77.0.11 | 02:00:00:00:00:11 | HTTP GET of a 20-60 kB snapshot every ~2 s, DNS every ~30 s; listens TCP 80, 554 |
| sensor | 10.77.0.12 | 02:00:00:00:00:12 | CoAP-like POST every ~1 s, MQTT connect/publish/disconnect every ~5 s |
| plug | 10.77.0.13 | 02:00:00:00:00:13 | DNS query every ~3 s, HTTP GET /api/state.json every ~4 s |
| hub | 10.77.0.14 | 02:00:00:00:00:14 | ICMP echo every ~5 s, CoAP ~3 s, MQTT (+PINGREQ) ~10 s, HTTP ~8 s, DNS ~7 s; listens TCP 23 |
| attacker | 10.77.0.66 | 02:00:00:00:00:66 | only active in the attack phases |

Intervals are jittered ±30 % with fixed per-device seeds. Gateway-side bridge ports use MACs 02:00:00:00:01:xx.

## Files

| File | Packets | Bytes | Content |
|---|---|---|---|
| demo-benign.pcap | ${COUNT[demo-benign.pcap]} | $(stat -c %s "$BEN") | ${BENIGN_SECS} s of benign traffic only (training data) |
| demo-attack.pcap | ${COUNT[demo-attack.pcap]} | $(stat -c %s "$ATT") | ${ATTACK_SECS} s, separate recording; benign traffic throughout plus the attacks below |
| demo-labels.csv | | | one row per phase, epoch seconds measured by the script around each phase |

## Phases of demo-attack.pcap (seconds from capture start; benign traffic continues in every phase)

| Phase | Label | From | To | What |
|---|---|---|---|---|
| benign-pre | benign | $(rel "$A0" "$A0") | $(rel "$S0" "$A0") | benign only |
| syn-scan | portscan | $(rel "$S0" "$A0") | $(rel "$S1" "$A0") | \`nmap -n -sS -T4 -p 1-1024 10.77.0.10-20\` from 10.77.0.66 |
| telnet-scan | telnet_scan | $(rel "$T0" "$A0") | $(rel "$T1" "$A0") | Mirai-like \`nmap -n -sS -T4 --max-retries 1 -p 23,2323 10.77.0.0/24\` |
| benign-mid | benign | $(rel "$T1" "$A0") | $(rel "$F0" "$A0") | benign only |
| udp-flood | udp_flood | $(rel "$F0" "$A0") | $(rel "$F1" "$A0") | $FLOOD_COUNT UDP datagrams (16-64 B, random dst ports) to $FLOOD_VICTIM over ~${FLOOD_SECS} s |
| benign-post | benign | $(rel "$F1" "$A0") | $(rel "$A1" "$A0") | benign only |

Benign capture: $(utc "$B0") to $(utc "$B1"). Attack capture: $(utc "$A0") to $(utc "$A1").

Packets per source address in demo-attack.pcap (ARP counted by sender address):

\`\`\`
$PER_SRC
\`\`\`

## Licence

These captures (and this README) are part of Vigil and are released under the Apache License 2.0,
like the rest of the project. To re-record: \`sudo lab/record-demo.sh [OUTPUT_DIR]\`
(the new files will differ in timing and ports, not in shape).
EOF
} > "$WORK/cap/README.md"

# ---------------------------------------------------------------- publish
mkdir -p "$OUT_DIR"
for f in demo-benign.pcap demo-attack.pcap demo-labels.csv README.md; do
    install -m 0644 "$WORK/cap/$f" "$OUT_DIR/$f"
done
if [[ -n ${SUDO_UID:-} ]]; then chown "$SUDO_UID:${SUDO_GID:-$SUDO_UID}" "$OUT_DIR" "$OUT_DIR"/demo-* "$OUT_DIR/README.md" 2>/dev/null || true; fi
log "done: $(cd "$OUT_DIR" && ls -l demo-benign.pcap demo-attack.pcap demo-labels.csv README.md | awk '{print $9 " (" $5 " B)"}' | paste -sd' ')"
