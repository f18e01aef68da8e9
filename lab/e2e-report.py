#!/usr/bin/env python3
"""Turns a run of lab/e2e.sh into its report: results.json, a table on stdout and (with --write) the lab-e2e
section of docs/RESULTS.md. Every figure comes from the run's own files: the per-phase rows the test measured
(phases.tsv), and the daemon's /alerts and /decisions as served at the end of the run."""
import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import subprocess
import sys

BEGIN, END = "<!-- lab-e2e:begin -->", "<!-- lab-e2e:end -->"


def ts(text):
    """Epoch seconds of an ISO-8601 UTC time; fractions beyond microseconds are cut."""
    text = re.sub(r"(\.\d{6})\d+", r"\1", text.replace("Z", "+00:00"))
    return dt.datetime.fromisoformat(text).timestamp()


def num(text):
    return float(text) if text else None


def quantile(xs, q):
    """Nearest-rank quantile (the smallest value with at least q of the values at or below it)."""
    if not xs:
        return None
    s = sorted(xs)
    k = max(0, min(len(s) - 1, int(-(-q * len(s) // 1)) - 1))
    return s[k]


def machine():
    cores = os.cpu_count()
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = "%.1f GiB" % (kb / 1024 / 1024)
    except (OSError, ValueError, IndexError):
        pass
    osname = platform.system()
    try:
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    osname = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    try:
        java = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=20).stderr
        java = java.splitlines()[0] if java else "java ?"
    except (OSError, subprocess.SubprocessError):
        java = "java ?"
    return "%d cores (%s), %s, %s, kernel %s, %s" % (cores, model or "?", mem, osname, platform.release(), java)


def commit(repo):
    try:
        c = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                           timeout=20).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=20).stdout.strip()
        return c + ("-dirty" if dirty else "") if c else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    for a in ("results", "alerts", "decisions", "learn", "learned", "soak", "soak-end", "soak-alerts", "window",
              "repo", "json", "false-quarantines", "attacker-ns"):
        ap.add_argument("--" + a, required=True)
    ap.add_argument("--write")
    # continual learning (model.continual): the new device and the slow ramp (e2e.sh writes these files)
    ap.add_argument("--continual")
    ap.add_argument("--model-health")
    ap.add_argument("--ramp-log")
    a = ap.parse_args()
    cont = json.load(open(a.continual)) if a.continual and os.path.exists(a.continual) else None
    model_health = json.load(open(a.model_health)) if a.model_health and os.path.exists(a.model_health) else {}

    with open(a.results) as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    with open(a.alerts) as f:
        alerts = json.load(f)
    with open(a.decisions) as f:
        decisions = json.load(f)
    window = float(a.window.rstrip("s"))

    by_id = {x["vigil"]["id"]: x for x in alerts if "vigil" in x}
    # packet-to-decision: each detector decision, from the first packet of the window of the alert it came from. For the
    # window detector that is one window before; a flow detector's evidence (a beacon's polls) spans its whole
    # judgement, so its latencies are reported apart.
    latencies = []
    flow_latencies = {}
    for d in decisions:
        if d.get("origin") != "detector" or d.get("simulated"):
            continue
        m = re.match(r"alert (\S+):", d.get("reason", ""))
        al = by_id.get(m.group(1)) if m else None
        if al and al.get("src_ip") and al["vigil"].get("window_start"):
            lat = ts(d["created"]) - ts(al["vigil"]["window_start"])
            det = al["vigil"].get("detector") or "ensemble"
            if det == "ensemble":
                latencies.append(lat)
            else:
                flow_latencies.setdefault(det, []).append(lat)

    def mac_of(ip):
        """The lab MAC of a lab address (lab_mac_of in lib.sh): LAN senders are decided by MAC."""
        return "02:00:00:00:00:" + ip.rsplit(".", 1)[-1]

    def decided_by(attacker, start, decision_at):
        """The rule and detector of the phase's quarantine: the first detector decision on the attacker from the
        phase's start to the time the test saw it."""
        if decision_at is None:
            return None, None
        for d in sorted(decisions, key=lambda d: d["created"]):
            if (d.get("origin") != "detector" or d.get("value") not in (attacker, mac_of(attacker))
                    or d.get("action") != "quarantine"):
                continue
            if not start - window <= ts(d["created"]) <= decision_at + 1:
                continue
            rule = re.search(r"\[rule ([^\],]+)[^\]]*\]\s*$", d.get("reason", ""))
            m = re.match(r"alert (\S+):", d.get("reason", ""))
            al = by_id.get(m.group(1)) if m else None
            return (rule.group(1) if rule else None), (al["vigil"].get("detector") if al else None)
        return None, None

    def first_to_nft(r):
        """The phase's first attack packet (tcpdump on br0, kernel time) to its quarantine's element added in
        nftables (nft monitor, stamped as printed), in ms; None where either was not seen."""
        first, added = num(r.get("first_packet_at", "")), num(r.get("nft_added_at", ""))
        if first is None or added is None:
            return None
        return round((added - first) * 1000, 1)

    phases = []
    spans = []
    for r in rows:
        start, end = float(r["start"]), float(r["end"])
        alert_at, decision_at = num(r["alert_at"]), num(r["decision_at"])
        rule, detector = decided_by(r["attacker"], start, decision_at)
        spans.append((start - window, (decision_at or end) + window, {r["attacker"], r["victim"]}))
        phases.append({
            "phase": r["phase"], "attack_type": r["attack_type"], "attacker": r["attacker"], "victim": r["victim"],
            "start_epoch": start, "end_epoch": end, "duration_s": round(end - start, 1),
            "detected": decision_at is not None,
            "time_to_detect_s": round(alert_at - start, 2) if alert_at is not None else None,
            "time_to_quarantine_s": round(decision_at - start, 2) if decision_at is not None else None,
            "dropped_while_quarantined": r["dropped"] == "yes" if r["dropped"] else None,
            "other_devices_telemetry_kept": r["telemetry_ok"] == "yes" if r["telemetry_ok"] else None,
            "lift_restored_reach": r["lifted_ok"] == "yes" if r["lifted_ok"] else None,
            "rule": rule, "detector": detector,
            "first_packet_to_nftables_ms": first_to_nft(r),
        })

    # packet alerts after learning, by period: the soak, a phase and its tail (30 s after its end: hosts reacting to
    # the attack, its victims), benign gaps between phases. The attacker namespace sends nothing but attacks and the
    # test's own probes, so its alerts are never false ones.
    false_alerts = []
    reacting = 0
    soak0, soak1 = float(a.soak), float(a.soak_end)
    for x in alerts:
        if not x.get("src_ip") or x["src_ip"] == a.attacker_ns:
            continue
        if cont and (x["src_ip"] == cont["new_device"] or
                     x["src_ip"] == cont["ramp_device"] and ts(x["vigil"]["window_start"]) >= float(cont["ramp_start"])):
            continue  # reported apart: the device that joined mid-soak, and the slow ramp once it began
        if x.get("ether", {}).get("src_mac") == mac_of(a.attacker_ns):
            continue  # sent by the attacker with another host's address (the spoof phases)
        t = ts(x["vigil"]["window_start"])
        if t < float(a.learned):
            continue
        if any(float(r["start"]) - window <= t <= float(r["end"]) + 30 for r in rows):
            if any(s0 <= t <= s1 and x["src_ip"] in hosts for s0, s1, hosts in spans):
                continue  # the phase's own attacker or victim
            reacting += 1
            continue
        false_alerts.append({"src_ip": x["src_ip"], "window_start": x["vigil"]["window_start"],
                             "severity": x["vigil"].get("severity"),
                             "period": "soak" if soak0 <= t <= soak1 else "between phases"})
    telemetry_alerts = [x for x in alerts if x.get("vigil", {}).get("telemetry") or x.get("telemetry")]

    def r2(v):
        return None if v is None else round(v, 2)

    # the goal of issue 20: p99 of first attack packet to quarantine in nftables over the scan, flood and MQTT-flood
    # phases (the spoofed ones included)
    goal = [p["first_packet_to_nftables_ms"] for p in phases
            if p["phase"].startswith(("scan", "flood", "spoof")) or p["phase"] == "mqtt_flood"]
    goal_missing = sum(1 for v in goal if v is None)
    goal = [v for v in goal if v is not None]

    now = dt.datetime.now(dt.timezone.utc)
    result = {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(), "commit": commit(a.repo),
        "window_s": window, "learning_s": round(float(a.learned) - float(a.learn), 1),
        "soak_s": round(soak1 - soak0, 1), "soak_alerts": int(a.soak_alerts), "soak_quarantines": 0,
        "false_quarantines_between_phases": int(a.false_quarantines),
        "phases": phases,
        "packet_to_decision_s": {"n": len(latencies), "p50": r2(quantile(latencies, 0.5)),
                                 "p99": r2(quantile(latencies, 0.99)), "max": r2(max(latencies) if latencies else None)},
        "first_packet_to_nftables_ms": {"phases": len(goal) + goal_missing, "measured": len(goal),
                                        "p50": quantile(goal, 0.5), "p99": quantile(goal, 0.99),
                                        "max": max(goal) if goal else None},
        "flow_first_evidence_to_decision_s": {k: [r2(v) for v in vs] for k, vs in sorted(flow_latencies.items())},
        "false_packet_alerts": false_alerts,
        "bystander_alerts_during_phases": reacting,
        "telemetry_alerts": len(telemetry_alerts),
    }
    if cont:
        ramp = None
        if a.ramp_log and os.path.exists(a.ramp_log):
            with open(a.ramp_log) as f:
                ramp = [tuple(map(float, line.split())) for line in f if len(line.split()) == 2]
        details = model_health.get("details", {})
        c = details.get("continual", {})
        result["continual"] = {
            "every": cont["every"], "rounds": c.get("rounds"), "model_generation": details.get("generation"),
            "dropped": c.get("dropped"), "grace": c.get("grace"),
            "new_device": {"ip": cont["new_device"], "grace_s": float(cont["grace_s"]),
                           "decisions": int(cont["new_decisions"]),
                           "alerts_in_grace": int(cont["new_alerts_in_grace"]),
                           "alerts_after_grace": int(cont["new_alerts_after_grace"])},
            "slow_ramp": {"device": cont["ramp_device"], "learned_rate_per_s": float(cont["ramp_rate"]),
                          "factor_per_min": float(cont["ramp_factor_per_min"]),
                          "first_alert": cont["ramp_alert"] or None,
                          "alerted_at_factor": num(cont["ramp_alerted_at_factor"]),
                          "reached_factor": max((f for _, f in ramp), default=None) if ramp else None},
        }
    with open(a.json, "w") as f:
        json.dump(result, f, indent=2)

    def s(v, unit=" s"):
        return "–" if v is None else ("%.1f%s" % (v, unit))

    def yn(v):
        return "–" if v is None else ("yes" if v else "**no**")

    lines = [
        BEGIN,
        "## Live end-to-end test in the traffic lab (`sudo lab/e2e.sh --write docs/RESULTS.md`)",
        "",
        "The daemon in the lab's gateway namespace captures the bridge live (host windows of %g s), reads the devices'"
        " telemetry from the lab's Mosquitto, learns both baselines on the device (%.0f s of benign traffic, then"
        " trained in the background), and quarantines through nftables by the lab's policy (packet alerts of"
        " a LAN host that opened the traffic, not one answering it: critical with score ≥ 5 once, high in 2 windows"
        " within 10 s, or medium in 3; a beacon (a host polling a peer it never talked to while learning, on a steady"
        " clock), 10 refused MQTT logins within 60 s, a scanner (failed first-contact attempts, Threshold Random Walk)"
        " or a flood's sender (CUSUM past its learned rate) at once: quarantine 10 min; none of the window rules while 3 or"
        " more hosts turn odd within 30 s). Then a benign soak of %.0f s with a broker restart and"
        " br0 down for 3 s in it, then each attack phase from real tools (lab/lib.sh), each followed by checks and"
        " the decision lifted over REST, then a SIGKILL of the daemon during a live quarantine." % (
            window, result["learning_s"], result["soak_s"]),
        "",
        "| phase | attack | attacker → victim | quarantined | by (detector) | time to alert | time to quarantine |"
        " first packet → nftables | attacker dropped | other devices' telemetry | lift restores |",
        "|---|---|---|---|---|--:|--:|--:|---|---|---|",
    ]
    for p in phases:
        lines.append("| %s | %s | %s → %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            p["phase"], p["attack_type"], p["attacker"], p["victim"], "yes" if p["detected"] else "**no**",
            "%s (%s)" % (p["rule"], p["detector"]) if p["rule"] else "–",
            s(p["time_to_detect_s"]), s(p["time_to_quarantine_s"]),
            s(p["first_packet_to_nftables_ms"], " ms"), yn(p["dropped_while_quarantined"]),
            yn(p["other_devices_telemetry_kept"]), yn(p["lift_restored_reach"])))
    ptd = result["packet_to_decision_s"]
    detected = sum(p["detected"] for p in phases)
    lines += [
        "",
        "Times are from the phase's first attack command. Quarantined: **%d of %d** phases within the test's limit;"
        " devices quarantined that were not a phase's attacker: **%d**." % (
            detected, len(phases), result["false_quarantines_between_phases"]),
        "First attack packet (tcpdump on br0, kernel time) to the attacker's quarantine added in nftables (nft"
        " monitor), over the %d scan, flood and MQTT-flood phases (%d measured): p50 **%s**, p99 **%s** (max %s);"
        " goal ≤ 100 ms." % (
            result["first_packet_to_nftables_ms"]["phases"], result["first_packet_to_nftables_ms"]["measured"],
            s(result["first_packet_to_nftables_ms"]["p50"], " ms"),
            s(result["first_packet_to_nftables_ms"]["p99"], " ms"),
            s(result["first_packet_to_nftables_ms"]["max"], " ms")),
        "Packet-to-decision latency (first packet of the alerting window to the decision stored and applied in"
        " nftables), over the run's %d window-detector decisions: p50 **%s**, p99 **%s** (max %s)%s." % (
            ptd["n"], s(ptd["p50"]), s(ptd["p99"]), s(ptd["max"]),
            "".join("; %s decisions, from the first packet of the evidence judged: %s" % (
                k, ", ".join(s(v) for v in vs)) for k, vs in result["flow_first_evidence_to_decision_s"].items())),
        "Benign soak: **%d quarantines**, %d packet alert(s) in %.0f s; telemetry reconnected after the broker restart"
        " and capture resumed after br0 came back (both checked by the test). False packet alerts in benign periods"
        " (soak and gaps between phases, devices and gateway): %d%s. Alerts on other hosts during a phase or the 30 s"
        " after it (hosts reacting to the attack, e.g. scanned devices; alert only): %d. Telemetry alerts (alert"
        " only, never quarantined): %d." % (
            result["soak_quarantines"], result["soak_alerts"], result["soak_s"], len(false_alerts),
            (" (" + ", ".join("%s %s" % (x["src_ip"], x["period"]) for x in false_alerts[:8]) +
             (", …" if len(false_alerts) > 8 else "") + ")") if false_alerts else "", reacting,
            len(telemetry_alerts)),
        "SIGKILL during a live quarantine: the decision, every alert and the nftables element (once, rules unchanged)"
        " survived, and the restarted daemon made no second decision (checked by the test).",
    ]
    if "continual" in result:
        c = result["continual"]
        nd, sr = c["new_device"], c["slow_ramp"]
        lines += [
            "Continual learning (`model.continual`, a round every %s; %s round(s) in this run, the model in service"
            " at the end of generation %s): **a device type never seen while learning** (%s, a speaker) joined at the"
            " soak's start: quarantined **%s**; alerts on it as a sender: %d in its grace of %.0f s, **%d after it**"
            " (goal 0). **A slow ramp** (%s polling the gateway at %.2g requests/s while the daemon learned, then %g"
            " times more each minute from the soak's end while the model retrained on what did not alert): %s" % (
                c["every"], c["rounds"], c["model_generation"], nd["ip"],
                "never" if nd["decisions"] == 0 else "**%d time(s)**" % nd["decisions"],
                nd["alerts_in_grace"], nd["grace_s"], nd["alerts_after_grace"], sr["device"],
                sr["learned_rate_per_s"], sr["factor_per_min"],
                ("first alerted on as a sender (%s) at **%.2f times** its learned rate (goal: before 10)." % (
                    sr["first_alert"].split(" ", 1)[1] if " " in sr["first_alert"] else sr["first_alert"],
                    sr["alerted_at_factor"]))
                if sr["first_alert"] else
                "**not alerted on**; it reached %.2f times its learned rate." % (sr["reached_factor"] or 0)),
        ]
    lines += [
        "",
        "Machine: %s. Date: %s. Commit: `%s`." % (result["machine"], result["date"], result["commit"]),
        END,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.write:
        old = open(a.write).read() if os.path.exists(a.write) else "# Results\n"
        if BEGIN in old and END in old:
            new = old[:old.index(BEGIN)] + text.rstrip("\n") + old[old.index(END) + len(END):]
        else:
            new = old.rstrip("\n") + "\n\n" + text
        with open(a.write, "w") as f:
            f.write(new)
        print("wrote section lab-e2e of %s" % a.write, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
