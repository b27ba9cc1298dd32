#!/usr/bin/env python3
"""A tiny fake Kubernetes API server over HTTPS for the KubeClient integration tests.

Usage: fake_apiserver.py --cert server.crt --key server.key --ca ca.crt --state DIR
Prints "PORT <n>" once listening on 127.0.0.1. Accepted bearer tokens are re-read from DIR/tokens
on every request so tests can rotate them; a client certificate signed by --ca is accepted too.
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
ITEMS = 1234
LOCK = threading.Lock()


def status(code, reason, message, retry_after=None):
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}
    if retry_after is not None:
        body["details"] = {"retryAfterSeconds": retry_after}
    return body


def configmap(name, rv):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": "default", "resourceVersion": str(rv)},
            "data": {"key": name}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def count(self, name):
        with LOCK:
            path = os.path.join(ARGS.state, name)
            n = int(open(path).read()) if os.path.exists(path) else 0
            open(path, "w").write(str(n + 1))

    def send_json(self, code, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def user(self):
        cert = self.connection.getpeercert()
        if cert:
            for rdn in cert.get("subject", ()):
                for key, value in rdn:
                    if key == "commonName":
                        return "cert:" + value
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            token = auth[len("Bearer "):]
            path = os.path.join(ARGS.state, "tokens")
            tokens = open(path).read().split() if os.path.exists(path) else []
            if token in tokens:
                return "token:" + token
        if auth == "Basic YWRtaW46c2VjcmV0":  # admin:secret
            return "basic:admin"
        return None

    def body(self):
        length = int(self.headers.get("Content-Length", "0") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self, method):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query))
        body = self.body()
        self.count("requests")
        if path == "/version":
            return self.send_json(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"})
        if path == "/notjson":
            data = b"upstream exploded"
            self.send_response(502)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return self.wfile.write(data)
        user = self.user()
        if user is None:
            self.count("unauthorized")
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        if path == "/whoami":
            return self.send_json(200, {"user": user, "userAgent": self.headers.get("User-Agent", ""),
                                        "accept": self.headers.get("Accept", "")})
        if path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            return self.send_json(200, {"kind": "APIGroupList", "groups": [
                {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]})
        if path == "/apis/apps/v1":
            return self.send_json(200, {"kind": "APIResourceList", "groupVersion": "apps/v1", "resources": [
                {"name": "deployments", "singularName": "deployment", "namespaced": True, "kind": "Deployment",
                 "verbs": ["get", "list", "watch"]},
                {"name": "deployments/status", "singularName": "", "namespaced": True, "kind": "Deployment",
                 "verbs": ["get", "patch"]}]})
        prefix = "/api/v1/namespaces/default/configmaps"
        if not path.startswith(prefix):
            return self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))
        name = path[len(prefix) + 1:] if len(path) > len(prefix) else ""
        if method == "GET" and not name:
            if query.get("watch") in ("1", "true"):
                return self.watch(query)
            limit = int(query.get("limit", ITEMS))
            start = int(query.get("continue", "0"))
            end = min(ITEMS, start + limit)
            meta = {"resourceVersion": "500"}
            if end < ITEMS:
                meta["continue"] = str(end)
            return self.send_json(200, {"kind": "ConfigMapList", "apiVersion": "v1", "metadata": meta,
                                        "items": [configmap("cm-%d" % i, i + 1) for i in range(start, end)]})
        if name == "missing":
            return self.send_json(404, status(404, "NotFound", 'configmaps "missing" not found'))
        if name == "throttled":
            return self.send_json(429, status(429, "TooManyRequests", "slow down", retry_after=2), {"Retry-After": "7"})
        if name == "gone":
            return self.send_json(410, status(410, "Gone", "too old resource version"))
        if name == "slow":
            time.sleep(60)  # far beyond what any test waits: an answer is never what ended the wait
            return self.send_json(200, configmap("slow", 1))
        if method == "GET":
            return self.send_json(200, configmap(name, 7))
        if method == "POST":
            obj = json.loads(body)
            if obj["metadata"]["name"] == "exists":
                return self.send_json(409, status(409, "AlreadyExists", 'configmaps "exists" already exists'))
            obj["metadata"]["resourceVersion"] = "1"
            return self.send_json(201, obj)
        if method == "PUT":
            obj = json.loads(body)
            if obj["metadata"].get("resourceVersion") == "old":
                return self.send_json(409, status(409, "Conflict", "the object has been modified"))
            return self.send_json(200, {"path": path, "query": query, "object": obj})
        if method == "PATCH":
            return self.send_json(200, {"path": path, "query": query, "contentType": self.headers.get("Content-Type"),
                                        "patch": json.loads(body)})
        if method == "DELETE":
            return self.send_json(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
        return self.send_json(405, status(405, "MethodNotAllowed", "no"))

    def chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def watch(self, query):
        rv = query.get("resourceVersion", "")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if rv == "expired":
            line = json.dumps({"type": "ERROR", "object": status(410, "Expired", "too old resource version: 1 (5)")})
            self.chunk(line.encode() + b"\n")
            return self.chunk(b"")
        events = [{"type": "ADDED", "object": configmap("a", 101)}]
        if query.get("allowWatchBookmarks") == "true":
            events.append({"type": "BOOKMARK", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                                                           "metadata": {"resourceVersion": "102"}}})
        events.append({"type": "MODIFIED", "object": configmap("a", 103)})
        events.append({"type": "DELETED", "object": configmap("a", 104)})
        stream = b"".join(json.dumps(e).encode() + b"\n" for e in events)
        if rv == "drop":
            first = json.dumps(events[0]).encode() + b"\n"
            self.chunk(first + b'{"type":"MODIF')
            time.sleep(0.05)
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            return
        if rv == "silent":
            self.chunk(json.dumps(events[0]).encode() + b"\n")
            time.sleep(120)
            return
        if rv == "hang":
            self.chunk(json.dumps(events[0]).encode() + b"\n")
            deadline = time.time() + 120
            try:
                while time.time() < deadline:
                    time.sleep(0.2)
                    self.chunk(b" ")  # whitespace keeps the line open and detects the client leaving
            except OSError:
                self.count("hang-closed")
            return
        if rv == "burst":
            # As many events as the client takes, as fast as it takes them (16,000 events, ~40 MB),
            # each with 40 data keys so decoding costs something; the bytes written so far are in
            # state/burst-bytes (the client's flow control holds this loop back).
            data = {"key-%02d" % k: "v" * 48 for k in range(40)}
            template = json.dumps({"type": "MODIFIED", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                "metadata": {"name": "burst", "namespace": "default", "resourceVersion": "RV"}, "data": data}})
            written = 0
            batch = []
            for i in range(16000):
                batch.append(template.replace('"RV"', '"%d"' % (200 + i)).encode() + b"\n")
                if len(batch) == 25:
                    payload = b"".join(batch)
                    batch = []
                    try:
                        self.chunk(payload)
                    except OSError:
                        return
                    written += len(payload)
                    with open(os.path.join(ARGS.state, "burst-bytes.tmp"), "w") as f:
                        f.write(str(written))
                    os.replace(os.path.join(ARGS.state, "burst-bytes.tmp"), os.path.join(ARGS.state, "burst-bytes"))
            if batch:
                self.chunk(b"".join(batch))
            return self.chunk(b"")
        # Chunk boundaries deliberately not at line boundaries.
        for i in range(0, len(stream), 37):
            self.chunk(stream[i:i + 37])
            time.sleep(0.002)
        self.chunk(b"")

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PUT(self):
        self.handle_any("PUT")

    def do_PATCH(self):
        self.handle_any("PATCH")

    def do_DELETE(self):
        self.handle_any("DELETE")


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--state", required=True)
    ARGS = parser.parse_args()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ARGS.cert, ARGS.key)
    context.load_verify_locations(ARGS.ca)
    context.verify_mode = ssl.CERT_OPTIONAL
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print("PORT %d" % server.server_address[1], flush=True)
    # Exit when the test process closes our stdin (or dies).
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
