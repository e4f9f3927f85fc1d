#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A fake Kubernetes API server for kubectl-nsh's tests: the discovery
endpoints, one pod and its node, and the calls the plugin makes (create,
get, exec, delete, list). Every request is logged to LOG as one JSON line
(method, path, query, body), so the test checks exactly what was sent.

Usage: fake_apiserver.py PORT LOG [--reject-psa] [--never-ready] [--old-pod NAME]
"""
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, LOG = int(sys.argv[1]), sys.argv[2]
REJECT = "--reject-psa" in sys.argv
NEVER_READY = "--never-ready" in sys.argv
OLD = sys.argv[sys.argv.index("--old-pod") + 1] if "--old-pod" in sys.argv else None
created = {}

TARGET = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "shop", "uid": "8c1f-uid"},
    "spec": {"nodeName": "node-3", "containers": [{"name": "app"}, {"name": "sidecar"}]},
    "status": {"phase": "Running"},
}


def api_resources():
    return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "pods", "singularName": "", "namespaced": True, "kind": "Pod",
         "verbs": ["create", "delete", "get", "list", "watch"], "shortNames": ["po"]},
        {"name": "pods/exec", "singularName": "", "namespaced": True, "kind": "PodExecOptions",
         "verbs": ["create", "get"]},
        {"name": "nodes", "singularName": "", "namespaced": False, "kind": "Node",
         "verbs": ["get", "list"], "shortNames": ["no"]},
    ]}


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def record(self, body=None):
        u = urllib.parse.urlparse(self.path)
        with open(LOG, "a") as f:
            f.write(json.dumps({"method": self.command, "path": u.path,
                                "query": urllib.parse.parse_qs(u.query), "body": body}) + "\n")
        return u

    def send(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, msg):
        self.send(code, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "reason": reason, "message": msg, "code": code})

    def do_GET(self):
        u = self.record()
        p = u.path
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"],
                                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                                                   "serverAddress": "127.0.0.1"}]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if p == "/api/v1":
            return self.send(200, api_resources())
        if p == "/version":
            return self.send(200, {"major": "1", "minor": "30", "gitVersion": "v1.30.0"})
        if p == "/api/v1/namespaces/shop/pods/web":
            return self.send(200, TARGET)
        if p.startswith("/api/v1/namespaces/") and "/pods/nsh-" in p:
            name = p.rsplit("/", 1)[1]
            pod = created.get(name)
            if not pod:
                return self.status(404, "NotFound", f'pods "{name}" not found')
            pod["status"] = {"phase": "Pending" if NEVER_READY else "Running"}
            return self.send(200, pod)
        if p == "/api/v1/pods":
            items = []
            if OLD:
                items.append({"metadata": {"name": OLD, "namespace": "default",
                                           "creationTimestamp": "2020-01-01T00:00:00Z",
                                           "labels": {"app.kubernetes.io/managed-by": "kubectl-nsh"}},
                              "spec": {"activeDeadlineSeconds": 3600}})
                items.append({"metadata": {"name": "nsh-young", "namespace": "default",
                                           "creationTimestamp": "2999-01-01T00:00:00Z",
                                           "labels": {"app.kubernetes.io/managed-by": "kubectl-nsh"}},
                              "spec": {"activeDeadlineSeconds": 3600}})
            return self.send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": items})
        return self.status(404, "NotFound", "not here: " + p)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        u = self.record(body)
        p = u.path
        if p.endswith("/exec"):
            # No SPDY here: kubectl's exec fails after the call is logged.
            return self.status(400, "BadRequest", "exec is not served by the fake API server")
        if p.startswith("/api/v1/namespaces/") and p.endswith("/pods"):
            ns = p.split("/")[4]
            if REJECT:
                return self.status(403, "Forbidden",
                                   'pods "nsh-x7k2p" is forbidden: violates PodSecurity "baseline:latest": '
                                   'privileged (container "nsh" must not set securityContext.privileged=true), '
                                   'host namespaces (hostPID=true), hostPath volumes (volumes "proc", "sys", "run", "var")')
            pod = dict(body)
            pod.setdefault("metadata", {})
            pod["metadata"]["name"] = "nsh-x7k2p"
            pod["metadata"]["namespace"] = ns
            created["nsh-x7k2p"] = pod
            return self.send(201, pod)
        return self.status(404, "NotFound", "not here: " + p)

    def do_DELETE(self):
        u = self.record()
        name = u.path.rsplit("/", 1)[1]
        created.pop(name, None)
        return self.send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})


ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
