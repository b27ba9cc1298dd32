#!/usr/bin/env python3
"""A fake Kubernetes API server that speaks only HTTP/2 over TLS (ALPN "h2"), built on the `h2`
package, for the KubeClient multiplexing tests.

Usage: h2_apiserver.py --cert server.crt --key server.key --ca ca.crt --state DIR
Prints "PORT <n>" once listening on 127.0.0.1 and keeps DIR/stats.json up to date:
connections accepted, the ALPN protocol of each, streams opened, the most streams open at once
on one connection, and streams the client reset. A client that does not negotiate h2 is refused,
so any answer at all proves HTTP/2.

Routes: GET /version (answers after 300 ms, so concurrent requests overlap), and
GET /api/v1/namespaces/default/configmaps, a list, or with watch=1 an endless watch stream
(one ADDED event every 100 ms) that only ends when the client resets the stream.
"""
import argparse
import asyncio
import json
import os
import ssl
import sys
import threading
import urllib.parse

import h2.config
import h2.connection
import h2.events
import h2.exceptions

ARGS = None
STATS = {"connections": 0, "alpn": [], "streams": 0, "maxConcurrentStreams": 0, "resets": 0, "burstBytes": 0}


def save():
    path = os.path.join(ARGS.state, "stats.json")
    with open(path + ".tmp", "w") as f:
        json.dump(STATS, f)
    os.replace(path + ".tmp", path)


def configmap(i):
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "cm-%d" % i, "namespace": "default", "resourceVersion": str(100 + i)},
            "data": {"index": str(i)}}


class H2Server(asyncio.Protocol):
    def __init__(self):
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=False, header_encoding="utf-8"))
        self.transport = None
        self.handlers = {}
        self.window_opened = asyncio.Event()

    def connection_made(self, transport):
        self.transport = transport
        ssl_object = transport.get_extra_info("ssl_object")
        STATS["connections"] += 1
        STATS["alpn"].append(ssl_object.selected_alpn_protocol() if ssl_object else None)
        save()
        self.conn.initiate_connection()
        self.flush()

    def connection_lost(self, exc):
        for task in self.handlers.values():
            task.cancel()

    def flush(self):
        data = self.conn.data_to_send()
        if data and self.transport and not self.transport.is_closing():
            self.transport.write(data)

    def data_received(self, data):
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError:
            self.flush()
            self.transport.close()
            return
        for event in events:
            if isinstance(event, h2.events.RequestReceived):
                STATS["streams"] += 1
                self.handlers[event.stream_id] = asyncio.ensure_future(self.handle(event.stream_id, dict(event.headers)))
                STATS["maxConcurrentStreams"] = max(STATS["maxConcurrentStreams"], len(self.handlers))
                save()
            elif isinstance(event, h2.events.WindowUpdated):
                self.window_opened.set()
            elif isinstance(event, h2.events.DataReceived):
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                STATS["resets"] += 1
                save()
                task = self.handlers.pop(event.stream_id, None)
                if task:
                    task.cancel()
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.transport.close()
        self.flush()

    def respond(self, stream_id, status, body=None, end=True):
        headers = [(":status", str(status)), ("content-type", "application/json")]
        data = json.dumps(body).encode() if body is not None else b""
        if end:
            headers.append(("content-length", str(len(data))))
        self.conn.send_headers(stream_id, headers)
        if end:
            self.conn.send_data(stream_id, data, end_stream=True)
        self.flush()

    async def handle(self, stream_id, headers):
        url = urllib.parse.urlsplit(headers.get(":path", "/"))
        query = urllib.parse.parse_qs(url.query)
        try:
            if url.path == "/version":
                await asyncio.sleep(0.3)
                self.respond(stream_id, 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"})
            elif (url.path == "/api/v1/namespaces/default/configmaps" and query.get("watch", [""])[0] in ("1", "true")
                  and query.get("resourceVersion", [""])[0] == "burst"):
                # 16,000 events as fast as HTTP/2 flow control lets them go; bytes sent in stats.burstBytes.
                self.respond(stream_id, 200, end=False)
                data = {"key-%02d" % k: "v" * 48 for k in range(40)}
                for i in range(16000):
                    line = json.dumps({"type": "MODIFIED", "object": {"kind": "ConfigMap", "apiVersion": "v1",
                        "metadata": {"name": "burst", "namespace": "default", "resourceVersion": str(200 + i)},
                        "data": data}}).encode() + b"\n"
                    while len(line) > 0:
                        window = min(self.conn.local_flow_control_window(stream_id), self.conn.max_outbound_frame_size)
                        if window <= 0:
                            self.window_opened.clear()
                            await self.window_opened.wait()
                            continue
                        self.conn.send_data(stream_id, line[:window])
                        STATS["burstBytes"] += min(window, len(line))
                        line = line[window:]
                        self.flush()
                    if i % 50 == 0:
                        save()
                        await asyncio.sleep(0)
                save()
                self.conn.end_stream(stream_id)
                self.flush()
            elif url.path == "/api/v1/namespaces/default/configmaps" and query.get("watch", [""])[0] in ("1", "true"):
                self.respond(stream_id, 200, end=False)
                i = 0
                while True:
                    line = json.dumps({"type": "ADDED", "object": configmap(i)}).encode() + b"\n"
                    self.conn.send_data(stream_id, line)
                    self.flush()
                    i += 1
                    await asyncio.sleep(0.1)
            elif url.path == "/api/v1/namespaces/default/configmaps":
                self.respond(stream_id, 200, {"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"resourceVersion": "99"},
                                              "items": [configmap(i) for i in range(3)]})
            else:
                self.respond(stream_id, 404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                              "reason": "NotFound", "code": 404, "message": "not found: " + url.path})
        except asyncio.CancelledError:
            pass
        except h2.exceptions.StreamClosedError:
            pass
        finally:
            self.handlers.pop(stream_id, None)


async def serve():
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ARGS.cert, ARGS.key)
    context.load_verify_locations(ARGS.ca)
    context.set_alpn_protocols(["h2"])
    server = await asyncio.get_running_loop().create_server(H2Server, "127.0.0.1", 0, ssl=context)
    save()
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--ca", required=True)
    parser.add_argument("--state", required=True)
    ARGS = parser.parse_args()
    # Exit when the test process closes our stdin (or dies).
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
