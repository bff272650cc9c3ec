#!/usr/bin/env python3
"""Runtime figures the shared harness cannot take (scripts/bench.sh runtime):

  logs      4 writers x N lines of 100 bytes through `tandem run`, --log-format text and json, each run's
            standard output to a file; wall time from launch to exit, and every line checked (lost,
            changed). Text and json runs alternate, so drifting load hits both alike.
  shutdown  N services, each with a child in its own session and a double-forked daemon; SIGTERM to
            tandem -> every process of the unit gone (found by its TANDEM_SERVICE variable), and what
            is left behind.
  start     Where `tandem run` of N processes spends its start, from the kernel's exec tracepoint alone
            (`perf record -e sched:sched_process_exec`, no system call traced): tandem's exec -> the
            supervisor's exec (the CLI) -> the first child's exec (the supervisor's own start) -> the
            last child's exec (the spawns). Needs perf (Debian's linux-perf) and the right to trace.

Usage: runtime.py TANDEM_BIN logs [LINES] [RUNS] | shutdown [SERVICES] [RUNS] | start [PROCESSES] [RUNS]
Only local processes; every process started is stopped by its pid.
"""
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAYLOAD = "p" * 89


def members(service):
    marker = f"TANDEM_SERVICE={service}\0".encode()
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{name}/environ", "rb") as f:
                if marker in f.read():
                    found.append(int(name))
        except OSError:
            pass
    return found


def logs(binary, lines, runs):
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-logs-"))
    # Each writer: LINES lines of exactly 100 bytes ("w1 000001 ppp...\n"), through 64 KiB stdio buffers.
    writer = work / "writer.py"
    writer.write_text(
        "import sys\n"
        "tag, count = sys.argv[1], int(sys.argv[2])\n"
        "out = sys.stdout.buffer\n"
        f"for i in range(count): out.write(b'%s %06d {PAYLOAD[:89]}\\n' % (tag.encode(), i))\n"
    )
    manifest = work / "logs.yml"
    # None essential: the unit ends when the last writer does.
    body = ["tandem: v1", "name: w1", f"command: [python3, {writer}, w1, '{lines}']", "essential: false", "processes:"]
    for index in (2, 3, 4):
        body.append(f"  w{index}: {{command: [python3, {writer}, w{index}, '{lines}'], essential: false}}")
    manifest.write_text("\n".join(body) + "\n")
    results = {"text": [], "json": []}
    problems = {"text": 0, "json": 0}
    for run in range(runs):
        for fmt in (("text", "json") if run % 2 == 0 else ("json", "text")):
            out = work / f"out-{fmt}.log"
            with open(out, "wb") as sink:
                started = time.monotonic()
                process = subprocess.Popen([binary, "run", "--no-control", "--log-format", fmt, str(manifest)], stdout=sink,
                                           stderr=subprocess.DEVNULL, env={**os.environ, "NO_COLOR": "1"})
                process.wait()
                took = time.monotonic() - started
            seen = {f"w{i}": 0 for i in range(1, 5)}
            bad = 0
            with open(out, "rb") as f:
                for raw in f:
                    if fmt == "json":
                        record = json.loads(raw)
                        if record.get("stream") == "event":
                            continue
                        text, process_name = record["line"], record["process"]
                    else:
                        head, _, text = raw.decode().rstrip("\n").partition(" | ")
                        process_name = head.strip()
                        if text.startswith("* "):
                            continue
                    tag, _, rest = text.partition(" ")
                    if tag != process_name or len(text) != 99 or int(rest[:6]) != seen[tag]:
                        bad += 1
                    seen[tag] = seen.get(tag, 0) + 1
            lost = sum(lines - count for count in seen.values())
            problems[fmt] += bad + abs(lost)
            results[fmt].append(took)
    for fmt in ("text", "json"):
        values = results[fmt]
        print(f"logs {fmt}: median {statistics.median(values):.3f} s (min {min(values):.3f}, max {max(values):.3f}) over {runs} runs, "
              f"4 x {lines} lines; lost or changed: {problems[fmt]}")
    print(f"json / text: {statistics.median(results['json']) / statistics.median(results['text']):.2f}")


def shutdown(binary, services, runs):
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-shutdown-"))
    times, exits, left = [], [], 0
    for run in range(runs):
        service = f"tree{run}-{os.getpid()}"
        manifest = work / f"{service}.yml"
        tree = "setsid sleep 300 & (sleep 301 &); exec sleep 302"
        body = ["tandem: v1", f"name: {service}", f"command: \"{tree}\"", "essential: false", "processes:"]
        for index in range(1, services):
            body.append(f"  p{index}: {{command: \"{tree}\", essential: false}}")
        manifest.write_text("\n".join(body) + "\n")
        process = subprocess.Popen([binary, "run", "--no-control", str(manifest)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while len(members(service)) < 3 * services and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait()
        exited = time.monotonic() - started
        while members(service) and time.monotonic() - started < 3:
            time.sleep(0.001)
        gone = time.monotonic() - started
        remaining = members(service)
        left += len(remaining)
        for pid in remaining:
            os.kill(pid, signal.SIGKILL)
        times.append(gone)
        exits.append(exited)
    print(f"shutdown, {services} services x 3 processes (the service, a setsid child, a double-forked daemon): SIGTERM -> tandem exited "
          f"median {statistics.median(exits) * 1000:.1f} ms; -> all gone median {statistics.median(times) * 1000:.1f} ms "
          f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f}) over {runs} runs; left behind: {left}")


def start(binary, processes, runs):
    perf = shutil.which("perf")
    if not perf:
        sys.exit("start: needs perf (Debian's linux-perf) for the kernel's sched_process_exec tracepoint")
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-start-"))
    # A copy of sleep under a name of its own: its execs are this unit's children, whatever else runs.
    child = work / "tandem-bench-child"
    shutil.copy(shutil.which("sleep"), child)
    os.sync()
    body = ["tandem: v1", "name: start0", f"command: [{json.dumps(str(child))}, \"30\"]", "essential: false", "processes:"]
    for index in range(1, processes):
        body.append(f"  p{index}: {{command: [{json.dumps(str(child))}, \"30\"], essential: false}}")
    manifest = work / "start.yml"
    manifest.write_text("\n".join(body) + "\n")
    phases = {"cli": [], "supervisor": [], "spawns": []}
    for run in range(runs):
        data = work / f"exec{run}.data"
        # perf starts the unit itself, so that no exec of it comes before the recording; the unit stops
        # itself after a second (--stop-after), its children with it.
        subprocess.run([perf, "record", "-q", "-o", str(data), "-e", "sched:sched_process_exec", "-a", "--", binary, "run", "--no-control",
                        "--stop-after", "1s", str(manifest)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        script = subprocess.run([perf, "script", "-i", str(data)], capture_output=True, text=True, check=False).stdout
        cli = supervisor = None
        children = []
        for line in script.splitlines():
            if "sched_process_exec" not in line or "filename=" not in line:
                continue
            stamp = next((float(word[:-1]) for word in line.split() if word.endswith(":") and word[:-1].replace(".", "").isdigit()), None)
            filename = line.split("filename=")[1].split()[0]
            if stamp is None:
                continue
            if filename == binary and cli is None:
                cli = stamp
            elif filename.endswith("/tandem-supervisor") and supervisor is None:
                supervisor = stamp
            elif filename == str(child):
                children.append(stamp)
        if cli is None or supervisor is None or len(children) != processes:
            print(f"run {run}: incomplete recording (tandem {cli}, supervisor {supervisor}, {len(children)} of {processes} children)")
            continue
        phases["cli"].append((supervisor - cli) * 1000)
        phases["supervisor"].append((min(children) - supervisor) * 1000)
        phases["spawns"].append((max(children) - min(children)) * 1000)
    shutil.rmtree(work, ignore_errors=True)
    if not phases["cli"]:
        sys.exit("start: no complete recording")

    def spread(values):
        return f"median {statistics.median(values):.1f} ms (min {min(values):.1f}, max {max(values):.1f})"

    print(f"start of {processes} processes over {len(phases['cli'])} runs: tandem -> supervisor exec {spread(phases['cli'])}; "
          f"-> first child's exec {spread(phases['supervisor'])}; first -> last child's exec {spread(phases['spawns'])}, "
          f"{statistics.median(phases['spawns']) / max(processes - 1, 1):.2f} ms a process")


def main():
    binary, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "logs"
    rest = [int(a) for a in sys.argv[3:]]
    if mode == "logs":
        logs(binary, *(rest + [200_000, 5][len(rest):]))
    elif mode == "shutdown":
        shutdown(binary, *(rest + [50, 5][len(rest):]))
    elif mode == "start":
        start(binary, *(rest + [50, 5][len(rest):]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
