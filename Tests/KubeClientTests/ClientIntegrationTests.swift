import Foundation
import KubeCore
import TestSupport
import Testing
@testable import KubeClient

/// Counts observed requests by code.
final class RecordingObserver: RequestObserver {
    let calls = LockedState<[String]>([])
    func requestCompleted(code: String, method: String, host: String) {
        calls.withLock { $0.append("\(code) \(method) \(host)") }
    }
}

let configMaps = GroupVersionResource.configMaps

/// Every test starts its own fake API server (a Python process) on 127.0.0.1.
@Suite(.timeLimit(.minutes(1))) struct ClientIntegrationTests {
    func withServer(tokens: [String] = ["good-token"], _ body: (FakeAPIServer) async throws -> Void) async throws {
        let server = try await FakeAPIServer.start(tokens: tokens)
        defer { server.stop() }
        try await body(server)
    }

    @Test func trustsTheConfiguredCAAndRejectsAnother() async throws {
        try await withServer { server in
            let good = KubernetesClient(configuration: try server.configuration())
            let version = try await good.serverVersion()
            #expect(version.gitVersion == "v1.32.0")
            #expect(version.minor == "32")

            var wrong = try server.configuration()
            wrong.tls.caData = Array(try Data(contentsOf: URL(fileURLWithPath: server.pki.otherCACert)))
            let observer = RecordingObserver()
            let bad = KubernetesClient(configuration: wrong, observer: observer)
            do {
                _ = try await bad.serverVersion()
                Issue.record("expected a TLS failure")
            } catch let error as KubeAPIError {
                #expect(error.reason == .transport)
                let text = error.message.lowercased()
                #expect(text.contains("ssl") || text.contains("tls") || text.contains("certificate"), "\(error)")
            }
            #expect(observer.calls.withLock { $0 } == ["<error> GET 127.0.0.1:\(server.port)"])
        }
    }

    @Test func tlsServerNameIsVerifiedInsteadOfTheHost() async throws {
        try await withServer { server in
            var config = try server.configuration(.bearerToken("good-token"))
            config.tls.serverName = "kube.test"
            let client = KubernetesClient(configuration: config)
            #expect(try await client.serverVersion().gitVersion == "v1.32.0")
            config.tls.serverName = "not-in-cert.test"
            await #expect(throws: KubeAPIError.self) { try await KubernetesClient(configuration: config).serverVersion() }
        }
    }

    @Test func clientCertificateAuthentication() async throws {
        try await withServer { server in
            var config = try server.configuration()
            config.tls.clientCertificate = Array(try Data(contentsOf: URL(fileURLWithPath: server.pki.clientCert)))
            config.tls.clientKey = Array(try Data(contentsOf: URL(fileURLWithPath: server.pki.clientKey)))
            let client = KubernetesClient(configuration: config)
            let me = try await client.get(configMaps, namespace: "default", name: "x")
            #expect(me.name == "x")
            let whoami = try await rawGet(client, "/whoami")
            #expect(whoami["user"].string == "cert:client-user")
        }
    }

    @Test func bearerTokenBasicAuthAndHeaders() async throws {
        try await withServer { server in
            let observer = RecordingObserver()
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")), observer: observer)
            let whoami = try await rawGet(client, "/whoami")
            #expect(whoami["user"].string == "token:good-token")
            #expect(whoami["userAgent"].string?.hasPrefix("flux-report-operator/") == true)
            #expect(whoami["accept"].string == "application/json")
            #expect(observer.calls.withLock { $0 } == ["200 GET 127.0.0.1:\(server.port)"])

            let basic = KubernetesClient(configuration: try server.configuration(.basic(username: "admin", password: "secret")))
            #expect(try await rawGet(basic, "/whoami")["user"].string == "basic:admin")

            let anonymous = KubernetesClient(configuration: try server.configuration())
            await #expect(throws: KubeAPIError(reason: .unauthorized, code: 401, message: "Unauthorized",
                                               status: Status(message: "Unauthorized", reason: "Unauthorized", code: 401))) {
                try await anonymous.get(configMaps, namespace: "default", name: "x")
            }
        }
    }

    @Test func rotatedTokenFileIsPickedUpAfterA401() async throws {
        try await withServer(tokens: ["token-1"]) { server in
            let tokenPath = "\(server.state)/sa-token"
            try write("token-1\n", to: tokenPath)
            let client = KubernetesClient(configuration: try server.configuration(.tokenFile(path: tokenPath)))
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:token-1")
            // The kubelet rotates the projected token; the server stops accepting the old one.
            try write("token-2\n", to: tokenPath)
            try server.setTokens(["token-2"])
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:token-2")
        }
    }

    func execConfig(_ server: FakeAPIServer, expired: Bool) throws -> ExecConfig {
        let script = "\(server.state)/exec-plugin.sh"
        try write("""
        #!/bin/sh
        # Counts its runs and returns token exec-token-<n>.
        n=$(cat "$STATE/exec-count" 2>/dev/null || echo 0)
        n=$((n + 1))
        echo $n > "$STATE/exec-count"
        case "$KUBERNETES_EXEC_INFO" in *ExecCredential*) ;; *) echo "no exec info" >&2; exit 3;; esac
        if [ "$EXPIRED" = 1 ]; then exp=2000-01-01T00:00:00Z; else exp=2999-01-01T00:00:00Z; fi
        printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"exec-token-%s","expirationTimestamp":"%s"}}' $n $exp
        """, to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        return ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "./exec-plugin.sh",
                          env: ["STATE": server.state, "EXPIRED": expired ? "1" : "0"], baseDirectory: server.state)
    }

    @Test func execPluginIsCachedAndReRunOn401() async throws {
        try await withServer(tokens: ["exec-token-1"]) { server in
            let client = KubernetesClient(configuration: try server.configuration(.exec(try execConfig(server, expired: false))))
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:exec-token-1")
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:exec-token-1")
            #expect(await client.execPluginRuns == 1)
            try server.setTokens(["exec-token-2"])
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:exec-token-2")
            #expect(await client.execPluginRuns == 2)
            #expect(server.counter("unauthorized") == 1)
        }
    }

    @Test func expiredExecCredentialIsRefreshedBeforeUse() async throws {
        try await withServer(tokens: ["exec-token-1", "exec-token-2", "exec-token-3"]) { server in
            let client = KubernetesClient(configuration: try server.configuration(.exec(try execConfig(server, expired: true))))
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:exec-token-1")
            #expect(try await rawGet(client, "/whoami")["user"].string == "token:exec-token-2")
            #expect(await client.execPluginRuns == 2)
        }
    }

    @Test func failingExecPluginIsAClearError() async throws {
        try await withServer { server in
            let config = ExecConfig(apiVersion: "client.authentication.k8s.io/v1", command: "/bin/false", installHint: "install it")
            let client = KubernetesClient(configuration: try server.configuration(.exec(config)))
            do {
                _ = try await client.get(configMaps, namespace: "default", name: "x")
                Issue.record("expected an error")
            } catch let error as KubeAPIError {
                #expect(error.message.contains("exec plugin /bin/false: exit status 1"))
                #expect(error.message.contains("install it"))
            }
        }
    }

    @Test func listAllFollowsContinueTokens() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            let page = try await client.list(configMaps, namespace: "default", options: ListOptions(limit: 100))
            #expect(page.items.count == 100)
            #expect(page.continueToken == "100")
            let all = try await client.listAll(configMaps, namespace: "default", options: ListOptions(limit: 500))
            #expect(all.items.count == 1234)
            #expect(all.items.last?.name == "cm-1233")
            #expect(Set(all.items.map(\.name)).count == 1234)
            #expect(all.resourceVersion == "500")
            #expect(all.continueToken == nil)
        }
    }

    @Test func watchDeliversEventsAndBookmarksAcrossChunks() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            var events: [WatchEvent] = []
            for try await event in client.watch(configMaps, namespace: "default",
                                                options: WatchOptions(resourceVersion: "100", allowWatchBookmarks: true)) {
                events.append(event)
            }
            #expect(events.map(\.type) == [.added, .bookmark, .modified, .deleted])
            #expect(events[1].object.resourceVersion == "102")
            #expect(events[2].object.resourceVersion == "103")
        }
    }

    @Test func watchErrorEventThrowsGone() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            do {
                for try await _ in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "expired")) {}
                Issue.record("expected the stream to throw")
            } catch let error as KubeAPIError {
                #expect(error.reason == .gone)
                #expect(error.code == 410)
            }
        }
    }

    @Test func rejectedWatchThrowsTheStatusError() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration())
            do {
                for try await _ in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "100")) {}
                Issue.record("expected the stream to throw")
            } catch let error as KubeAPIError {
                #expect(error.reason == .unauthorized)
                #expect(error.code == 401)
            }
        }
    }

    @Test func droppedConnectionMidWatchThrows() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            var received = 0
            do {
                for try await _ in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "drop")) {
                    received += 1
                }
                Issue.record("expected the stream to throw")
            } catch let error as KubeAPIError {
                #expect(error.reason == .transport)
            }
            #expect(received == 1)
        }
    }

    /// Judged by this watch's own buffer and server, not by process-wide counts or wall time: in a
    /// parallel run other tests start and end transfers meanwhile, and scheduling can lag by seconds.
    @Test func cancellingTheWatchingTaskRemovesTheTransfer() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            let buffer = WatchBuffer(limit: 1 << 20)
            let firstEvent = OneShot<Void>()
            let task = Task {
                var count = 0
                for try await _ in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "hang"), buffer: buffer) {
                    count += 1
                    firstEvent.deliver(())
                }
                return count
            }
            await firstEvent.wait()
            #expect(!buffer.hasEnded)
            task.cancel()
            let count = try await task.value
            #expect(count == 1)
            // The engine let go of the transfer, long before the server's 120 s response would end...
            try await waitUntil(timeout: .seconds(60)) { buffer.hasEnded }
            // ...and closed the connection: the server notices on its next write (every 200 ms).
            try await waitUntil(timeout: .seconds(60)) { server.counter("hang-closed") == 1 }
        }
    }

    @Test func silentWatchIsAbortedByTheIdleTimeout() async throws {
        try await withServer { server in
            var config = try server.configuration(.bearerToken("good-token"))
            config.watchIdleTimeout = .seconds(1)
            let client = KubernetesClient(configuration: config)
            let start = ContinuousClock.now
            var received = 0
            do {
                for try await _ in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "silent")) {
                    received += 1
                }
                Issue.record("expected the idle watch to fail")
            } catch let error as KubeAPIError {
                #expect(error.reason == .timeout)
            }
            #expect(received == 1)
            // curl averages the speed over ~5 s, so detection lags the idle time by that much; the
            // server stays silent for 120 s, so ending well before that is the idle timeout's doing.
            #expect(ContinuousClock.now - start < .seconds(60))
        }
    }

    @Test func manyConcurrentRequestsShareTheEngine() async throws {
        try await withServer { server in
            let observer = RecordingObserver()
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")), observer: observer)
            let names = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<40 {
                    group.addTask { try await client.get(configMaps, namespace: "default", name: "obj-\(i)").name }
                }
                var names: Set<String> = []
                for try await name in group { names.insert(name) }
                return names
            }
            #expect(names.count == 40)
            #expect(observer.calls.withLock { $0.count } == 40)
        }
    }

    @Test func clientSideRateLimitPacesRequests() async throws {
        try await withServer { server in
            var config = try server.configuration(.bearerToken("good-token"))
            config.qps = 10
            config.burst = 1
            let client = KubernetesClient(configuration: config)
            let start = ContinuousClock.now
            for _ in 0..<4 { _ = try await client.get(configMaps, namespace: "default", name: "x") }
            // One free token, then three more at 100 ms each.
            #expect(ContinuousClock.now - start >= .milliseconds(280))
        }
    }

    @Test func execPluginFoundOnPathCanReturnAClientCertificate() async throws {
        try await withServer { server in
            let script = """
            import json, os
            pki = os.environ["PKI"]
            print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1beta1", "kind": "ExecCredential", "status": {
                "clientCertificateData": open(pki + "/client.crt").read(),
                "clientKeyData": open(pki + "/client.key").read()}}))
            """
            let exec = ExecConfig(apiVersion: "client.authentication.k8s.io/v1beta1", command: "python3", args: ["-c", script],
                                  env: ["PKI": server.pki.directory])
            let client = KubernetesClient(configuration: try server.configuration(.exec(exec)))
            #expect(try await rawGet(client, "/whoami")["user"].string == "cert:client-user")
        }
    }

    @Test func breakingOutOfTheLoopDropsTheWatch() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            func firstEvent() async throws -> WatchEvent? {
                for try await event in client.watch(configMaps, namespace: "default", options: WatchOptions(resourceVersion: "hang")) {
                    return event
                }
                return nil
            }
            #expect(try await firstEvent()?.type == .added)
            try await waitUntil(timeout: .seconds(60)) { server.counter("hang-closed") == 1 }
        }
    }

    @Test func cancellingARequestAbortsIt() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            let requests = server.counter("requests")
            let task = Task { try await client.get(configMaps, namespace: "default", name: "slow") }
            // Cancel once the server is handling it (it answers "slow" after 60 s).
            try await waitUntil(timeout: .seconds(30)) { server.counter("requests") > requests }
            let start = ContinuousClock.now
            task.cancel()
            await #expect(throws: CancellationError.self) { try await task.value }
            // Not the answer: cancelling aborted the transfer (the bound is loose for loaded machines).
            #expect(ContinuousClock.now - start < .seconds(30))
        }
    }

    @Test func requestTimeoutIsATimeoutError() async throws {
        try await withServer { server in
            var config = try server.configuration(.bearerToken("good-token"))
            config.requestTimeout = .milliseconds(500)
            let client = KubernetesClient(configuration: config)
            do {
                _ = try await client.get(configMaps, namespace: "default", name: "slow")
                Issue.record("expected a timeout")
            } catch let error as KubeAPIError {
                #expect(error.reason == .timeout)
            }
        }
    }

    @Test func httpErrorsAreTyped() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            func reason(_ name: String) async -> KubeAPIError? {
                do {
                    _ = try await client.get(configMaps, namespace: "default", name: name)
                    return nil
                } catch {
                    return error as? KubeAPIError
                }
            }
            #expect(await reason("missing")?.reason == .notFound)
            #expect(try await client.getIfExists(configMaps, namespace: "default", name: "missing") == nil)
            let throttled = await reason("throttled")
            #expect(throttled?.reason == .tooManyRequests)
            #expect(throttled?.retryAfter == .seconds(7))
            #expect(await reason("gone")?.reason == .gone)
            let notJSON = try? await rawGet(client, "/notjson")
            #expect(notJSON == nil)
            do {
                _ = try await rawGet(client, "/notjson")
            } catch let error as KubeAPIError {
                #expect(error.reason == .serverError)
                #expect(error.message.contains("upstream exploded"))
            }
        }
    }

    @Test func writesSendTheRightVerbsBodiesAndParameters() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            let object: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "new", "namespace": "default"]]
            let created = try await client.create(configMaps, namespace: "default", object: object, options: WriteOptions())
            #expect(created.resourceVersion == "1")
            var exists = object
            exists["metadata"]["name"] = "exists"
            await #expect(throws: KubeAPIError.self) {
                try await client.create(configMaps, namespace: "default", object: exists, options: WriteOptions())
            }
            do {
                _ = try await client.create(configMaps, namespace: "default", object: exists, options: WriteOptions())
            } catch let error as KubeAPIError {
                #expect(error.reason == .alreadyExists)
            }
            var stale = object
            stale["metadata"]["resourceVersion"] = "old"
            do {
                _ = try await client.update(configMaps, namespace: "default", object: stale, subresource: nil, options: WriteOptions())
                Issue.record("expected a conflict")
            } catch let error as KubeAPIError {
                #expect(error.reason == .conflict)
            }
            let status = try await client.update(configMaps, namespace: nil, object: object, subresource: "status", options: WriteOptions())
            #expect(status["path"].string == "/api/v1/namespaces/default/configmaps/new/status")

            let applied = try await client.patch(configMaps, namespace: "default", name: "new", patch: .apply(["data": ["a": "b"]]),
                                                 subresource: nil, options: WriteOptions(fieldManager: "flux-report", force: true))
            #expect(applied["contentType"].string == "application/apply-patch+yaml")
            #expect(applied["query"]["fieldManager"].string == "flux-report")
            #expect(applied["query"]["force"].string == "true")
            #expect(applied["patch"]["data"]["a"].string == "b")
            let merged = try await client.patch(configMaps, namespace: "default", name: "new", patch: .merge(["x": 1]),
                                                subresource: "status", options: WriteOptions())
            #expect(merged["contentType"].string == "application/merge-patch+json")
            #expect(merged["path"].string == "/api/v1/namespaces/default/configmaps/new/status")
            let json = try await client.patch(configMaps, namespace: "default", name: "new",
                                              patch: .json([["op": "remove", "path": "/data"]]), subresource: nil, options: WriteOptions())
            #expect(json["contentType"].string == "application/json-patch+json")
            #expect(json["patch"][0]["op"].string == "remove")
            let strategic = try await client.patch(configMaps, namespace: "default", name: "new", patch: .strategicMerge([:]),
                                                   subresource: nil, options: WriteOptions())
            #expect(strategic["contentType"].string == "application/strategic-merge-patch+json")
            await #expect(throws: KubeAPIError.self) {
                try await client.patch(configMaps, namespace: "default", name: "new", patch: .apply([:]), subresource: nil,
                                       options: WriteOptions())
            }
            try await client.delete(configMaps, namespace: "default", name: "new")
        }
    }

    @Test func discovery() async throws {
        try await withServer { server in
            let client = KubernetesClient(configuration: try server.configuration(.bearerToken("good-token")))
            let groups = try await client.serverGroups()
            #expect(groups == [APIGroup(name: "", versions: ["v1"], preferredVersion: "v1"),
                               APIGroup(name: "apps", versions: ["v1"], preferredVersion: "v1")])
            let resources = try await client.resources(of: GroupVersion(group: "apps", version: "v1"))
            #expect(resources.map(\.name) == ["deployments", "deployments/status"])
            #expect(resources.first?.namespaced == true)
            #expect(resources.first?.verbs == ["get", "list", "watch"])
        }
    }

    @Test func connectionRefusedIsATransportError() async throws {
        // A port nothing listens on: bind and close a server first to find one.
        let server = try await FakeAPIServer.start()
        let config = try server.configuration()
        await server.stopAndWait()
        let client = KubernetesClient(configuration: config)
        do {
            _ = try await client.serverVersion()
            Issue.record("expected a transport error")
        } catch let error as KubeAPIError {
            #expect(error.reason == .transport)
            #expect(!error.message.isEmpty)
        }
    }
}

/// GET of an arbitrary path (e.g. the fake server's `/whoami`).
func rawGet(_ client: KubernetesClient, _ path: String) async throws -> JSONValue {
    try await client.getRaw(path)
}
