# The tiny app that bench/ansible-compare.bench.ts rolls out with Slipway and with Ansible: answers
# its version on / and 200 on /healthz, on 127.0.0.1:$PORT. It prints when its process was made,
# when it listens, when it is asked to stop and when it exits (ms since the epoch), so that the
# bench can tell the app's own restart time from the time the tool around it takes.
import atexit
import os
import signal
import sys
import time


def spawned_at():
    """When this process was forked (before python started): /proc's start time, in clock ticks
    since boot (10 ms), taken at the middle of its tick."""
    with open("/proc/self/stat") as stat:
        ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    tick = 1 / os.sysconf("SC_CLK_TCK")
    since_boot = time.clock_gettime(time.CLOCK_BOOTTIME) - (ticks + 0.5) * tick
    return (time.time() - since_boot) * 1000


print(f"spawned at {spawned_at():.1f}", flush=True)
print(f"starting at {time.time() * 1000:.1f}", flush=True)
atexit.register(lambda: print(f"exiting at {time.time() * 1000:.1f}", flush=True))

from http.server import BaseHTTPRequestHandler, HTTPServer

VERSION = os.environ.get("SLIPWAY_VERSION") or os.environ.get("APP_VERSION", "unknown")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n" if self.path == "/healthz" else f"version {VERSION}\n".encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def stop(*_):
    print(f"stopping at {time.time() * 1000:.1f}", flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print(f"listening at {time.time() * 1000:.1f}", flush=True)
try:
    server.serve_forever()
except SystemExit:
    server.server_close()
    raise
