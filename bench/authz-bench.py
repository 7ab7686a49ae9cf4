#!/usr/bin/env python3
"""authz-bench.py - latency of `moat authz` for one cached create decision.

Sends N /AuthZPlugin.AuthZReq requests for the same POST /containers/create
(the Docker Engine API v1.24 documented body, tests/data/authz/) over the
plugin's unix socket and prints p50/p90/p99/max in milliseconds, as Docker's
plugin client does it: one keep-alive connection (--mode keepalive, Go's
http.Transport default) or a new connection per request (--mode connect).

With --docker SOCK the requests go to the engine instead, through the real
daemon and its plugin: POST /v1.41/containers/create with --body as the
create body. A body whose HostConfig.Memory is 1 byte is refused by the daemon
right after the plugin allowed it ("Minimum memory limit allowed is 6MB",
400), so the time is the daemon's routing plus the plugin's decision, and no
container is made; a 403 is the plugin's denial.

  authz-bench.py --socket /run/moat.sock [--n 1000] [--mode keepalive|connect]
                 [--image NAME | --body REQUEST.json --raw] [--max-p99-ms 5] [--json]
  authz-bench.py --docker /run/docker.sock --body CREATE.json [--expect allow|deny] ...

Exit 1 when --max-p99-ms is given and p99 is above it, or any answer is not
the expected decision (--expect allow|deny).
"""
import argparse
import base64
import http.client
import json
import os
import socket
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10)
        s.connect(self.path)
        self.sock = s


def plugin_request(body_path, image):
    body = json.load(open(body_path))
    if image:
        body["Image"] = image
    raw = json.dumps(body).encode()
    return json.dumps({
        "User": "bench",
        "UserAuthNMethod": "TLS",
        "RequestMethod": "POST",
        "RequestUri": "/v1.47/containers/create?name=bench",
        "RequestHeaders": {"Content-Type": "application/json",
                           "Content-Length": str(len(raw))},
        "RequestBody": base64.b64encode(raw).decode(),
    }).encode()


def pct(sorted_ms, p):
    i = min(len(sorted_ms) - 1, max(0, int(round(p / 100.0 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[i]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket")
    ap.add_argument("--docker", help="the engine's socket: time requests through the daemon")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--mode", choices=["keepalive", "connect"], default="keepalive")
    ap.add_argument("--body", default=os.path.join(here, "..", "tests", "data", "authz",
                                                   "create-v1.24-docs.json"))
    ap.add_argument("--image", default=None)
    ap.add_argument("--raw", action="store_true",
                    help="--body is a whole plugin request, sent as it is")
    ap.add_argument("--expect", choices=["allow", "deny"], default="allow")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--max-p99-ms", type=float, default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    if (a.socket is None) == (a.docker is None):
        ap.error("give one of --socket and --docker")

    if a.docker:
        req = open(a.body, "rb").read()
        hdrs = {"Content-Type": "application/json"}
        path, sock = "/v1.41/containers/create", a.docker
    else:
        req = open(a.body, "rb").read() if a.raw else plugin_request(a.body, a.image)
        hdrs = {"Content-Type": "application/vnd.docker.plugins.v1.2+json",
                "Accept": "application/vnd.docker.plugins.v1.2+json"}
        path, sock = "/AuthZPlugin.AuthZReq", a.socket
    conn = None
    times = []
    wrong = 0
    for i in range(a.warmup + a.n):
        t0 = time.perf_counter()
        if conn is None or a.mode == "connect":
            if conn is not None:
                conn.close()
            conn = UnixHTTPConnection(sock)
        conn.request("POST", path, body=req, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        t1 = time.perf_counter()
        if a.docker:  # 403: the plugin denied; anything else got past it
            allowed = r.status != 403
            if r.status not in (400, 403, 201):
                wrong += 1
        else:
            allowed = json.loads(data).get("Allow") is True
        if allowed != (a.expect == "allow"):
            wrong += 1
        if i >= a.warmup:
            times.append((t1 - t0) * 1000.0)
    conn.close()
    times.sort()
    res = {"mode": a.mode + (" via dockerd" if a.docker else ""), "n": len(times), "p50_ms": round(pct(times, 50), 3),
           "p90_ms": round(pct(times, 90), 3), "p99_ms": round(pct(times, 99), 3),
           "max_ms": round(times[-1], 3), "wrong_decisions": wrong}
    if a.json:
        print(json.dumps(res))
    else:
        print("%(mode)s n=%(n)d p50=%(p50_ms).3fms p90=%(p90_ms).3fms p99=%(p99_ms).3fms "
              "max=%(max_ms).3fms wrong=%(wrong_decisions)d" % res)
    if wrong or (a.max_p99_ms is not None and res["p99_ms"] > a.max_p99_ms):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
