"""`tandem catalog serve` for the project's scripts (the browser test, the catalog bench): started on a free
loopback port, stopped by its pid."""
import os
import signal
import subprocess
import time


def start(binary, database, workdir, extra=(), env=None, log=None, within=30):
    """Starts the server on a port of its choosing (`--port 0`, read back from its port file) and returns the
    process and its base URL. `log`: a file for its output (else discarded). A server that has not said its port
    within `within` seconds, or has ended, is stopped and the script exits with its log."""
    port_file = os.path.join(workdir, "port")
    output = open(log, "w") if log else subprocess.DEVNULL
    server = subprocess.Popen([binary, "catalog", "serve", "--database", database, "--port", "0", "--port-file", port_file, *extra],
                              stdout=output, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + within
    while not (os.path.exists(port_file) and open(port_file).read().strip()):
        if time.time() > deadline or server.poll() is not None:
            stop(server)
            raise SystemExit(f"the catalog server did not start within {within} s" + (": " + open(log).read() if log else ""))
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{open(port_file).read().strip()}"


def stop(process, timeout=20):
    """SIGTERM to the process, SIGKILL if it has not ended `timeout` seconds later."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
