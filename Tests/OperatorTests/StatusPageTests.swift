import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import TestSupport
import Testing
@testable import FluxReportOperator

/// The status page's pure parts: query validation (outside data), filtering and paging over a
/// snapshot, object transitions, and the timestamps "since" is computed from.
@Suite struct StatusPageQueryTests {
    static func parse(_ pairs: [(String, String)]) throws(FluxReportOperator.QueryError) -> ResourceQuery {
        try ResourceQuery(parameters: pairs.map { (name: $0.0, value: $0.1) })
    }

    @Test func defaultsAndValidValues() throws {
        let empty = try Self.parse([])
        #expect(empty == ResourceQuery())
        #expect(empty.limit == ResourceQuery.defaultLimit && empty.status == .all)
        let q = try Self.parse([("kind", "Kustomization"), ("namespace", "team-a"), ("status", "failing"), ("q", "Apps"),
                                ("limit", "1000"), ("continue", ResourceKey(kind: "A", namespace: "b", name: "c").token)])
        #expect(q.kind == "Kustomization" && q.namespace == "team-a" && q.status == .failing && q.limit == 1000)
        #expect(q.search == ObjectQuery(terms: [ObjectQuery.Term(.text("Apps"))]))
        #expect(q.after == ResourceKey(kind: "A", namespace: "b", name: "c"))
        // Empty values mean "not given" (a form submitting blank fields).
        #expect(try Self.parse([("kind", ""), ("namespace", ""), ("q", ""), ("limit", "")]) == ResourceQuery())
    }

    @Test(arguments: [
        ("limit", "0"), ("limit", "-1"), ("limit", "1001"), ("limit", "99999999999999999999999"), ("limit", "abc"),
        ("limit", "1e3"), ("limit", "+5"), ("limit", " 5"), ("limit", "５"), ("limit", "0x10"), ("limit", "10.0"),
        ("status", "bogus"), ("status", "FAILING"), ("kind", "<script>"), ("kind", "Kustom ization"),
        ("kind", String(repeating: "K", count: 64)), ("namespace", "A_B"), ("namespace", "-x"),
        ("namespace", String(repeating: "a", count: 64)), ("q", String(repeating: "x", count: ObjectQuery.maxLength + 1)),
        ("q", "foo:bar"), ("q", "status:broken"), ("q", "\"open"), ("q", "-"), ("q", "--x"), ("q", "kind:"), ("status", "Blocked"),
        ("continue", "@@@"), ("continue", "YQ"), ("continue", String(repeating: "A", count: 5000)), ("unknown", "1"),
    ])
    func rejectsHostileInput(name: String, value: String) {
        #expect(throws: FluxReportOperator.QueryError.self) { try Self.parse([(name, value)]) }
    }

    @Test func rejectsRepeatedParameters() {
        #expect(throws: FluxReportOperator.QueryError("parameter \"limit\" given more than once")) { try Self.parse([("limit", "1"), ("limit", "2")]) }
    }

    @Test func errorMessagesDoNotEchoHugeInput() throws {
        do throws(FluxReportOperator.QueryError) {
            _ = try Self.parse([("kind", String(repeating: "<", count: 100_000))])
            Issue.record("accepted a 100 kB kind")
        } catch {
            #expect(error.message.utf8.count < 200)
        }
    }

    @Test func textOfMaximumLengthIsAccepted() throws {
        #expect(try Self.parse([("q", String(repeating: "x", count: ObjectQuery.maxLength))]).search.terms.count == 1)
    }

    /// The query string as browsers encode it: `+` a space, `%2B` a plus, order kept; bad escapes refused.
    @Test func queryStringDecoding() throws {
        let decoded = try StatusPageRoutes.parameters(query: "q=kind:HelmRelease+ns:tenant-*+%2Bx&status=failing&limit&q=%22a%20b%22")
        #expect(decoded.map(\.name) == ["q", "status", "limit", "q"])
        #expect(decoded.map(\.value) == ["kind:HelmRelease ns:tenant-* +x", "failing", "", "\"a b\""])
        #expect(try StatusPageRoutes.parameters(query: "").isEmpty)
        for bad in ["q=%zz", "q=%", "q=%e9", "%zz=1"] {
            #expect(throws: FluxReportOperator.QueryError.self) { try StatusPageRoutes.parameters(query: bad) }
        }
    }

    /// `q` is `ObjectQuery`'s language, its message passed on as the 400's; `status` adds a term.
    @Test func searchIsTheObjectQueryLanguage() throws {
        let q = try Self.parse([("q", "kind:HelmRelease ns:tenant-* -status:suspended \"build failed\""), ("status", "blocked")])
        #expect(q.search == (try ObjectQuery(parsing: "kind:HelmRelease ns:tenant-* -status:suspended \"build failed\"")))
        #expect(q.filter.description == "kind:HelmRelease ns:tenant-* -status:suspended \"build failed\" status:blocked")
        #expect(throws: FluxReportOperator.QueryError("unknown filter \"foo:\": use kind:, ns:, name: or status:, or quote the text")) {
            try Self.parse([("q", "foo:bar")])
        }
    }

    @Test func continueTokensRoundTrip() {
        for key in [ResourceKey(kind: "Kustomization", namespace: "flux-system", name: "apps"),
                    ResourceKey(kind: "K", namespace: "", name: "cluster-scoped"),
                    ResourceKey(kind: "K", namespace: "ns", name: "ünïcode+/=")] {
            #expect(ResourceKey(token: key.token) == key)
            #expect(!key.token.contains("+") && !key.token.contains("/") && !key.token.contains("="))
        }
        #expect(ResourceKey(token: "") == nil)
        // Decodes, but not three parts.
        #expect(ResourceKey(token: Data("a\nb".utf8).base64EncodedString()) == nil)
    }
}

@Suite struct StatusPageListingTests {
    static func object(_ kind: String, _ namespace: String, _ name: String, ready: ReadyStatus = .true, reason: String = "Succeeded",
                       message: String = "", suspended: Bool = false) -> FluxObject {
        FluxObject(kind: kind, namespace: namespace, name: name, ready: ready, reason: reason, message: message, suspended: suspended)
    }

    static let fleet: [(kind: String, objects: [FluxObject])] = [
        ("Kustomization", [
            object("Kustomization", "team-b", "apps", ready: .false, reason: "BuildFailed", message: "kustomize build failed: <script>alert(1)</script>"),
            object("Kustomization", "team-a", "infra"),
            object("Kustomization", "team-a", "apps", suspended: true),
            object("Kustomization", "team-a", "waiting", ready: .false, reason: "DependencyNotReady"),
        ]),
        ("GitRepository", [
            object("GitRepository", "team-a", "repo", ready: .false, reason: "GitOperationFailed", message: "connection refused"),
            object("GitRepository", "flux-system", "flux-system"),
        ]),
    ]

    static func names(_ page: ResourcePage) -> [String] { page.items.map { "\($0.kind)/\($0.namespace)/\($0.name)" } }

    @Test func sortsByKindNamespaceName() {
        let page = ResourcePageBuilder.page(Self.fleet, query: ResourceQuery())
        #expect(Self.names(page) == [
            "GitRepository/flux-system/flux-system", "GitRepository/team-a/repo",
            "Kustomization/team-a/apps", "Kustomization/team-a/infra", "Kustomization/team-a/waiting", "Kustomization/team-b/apps",
        ])
        #expect(page.total == 6 && page.next == nil)
    }

    @Test func filters() {
        func names(_ query: ResourceQuery) -> [String] { Self.names(ResourcePageBuilder.page(Self.fleet, query: query)) }
        // Failing as the report counts it: not suspended, not DependencyNotReady.
        #expect(names(ResourceQuery(status: .failing)) == ["GitRepository/team-a/repo", "Kustomization/team-b/apps"])
        #expect(names(ResourceQuery(status: .suspended)) == ["Kustomization/team-a/apps"])
        #expect(names(ResourceQuery(kind: "GitRepository")).count == 2)
        #expect(names(ResourceQuery(kind: "Nope")).isEmpty)
        #expect(names(ResourceQuery(namespace: "team-b")) == ["Kustomization/team-b/apps"])
        #expect(names(ResourceQuery(kind: "Kustomization", namespace: "team-a", status: .all, search: Self.search("APPS"))) == ["Kustomization/team-a/apps"])
        // Text matches reason and message too.
        #expect(names(ResourceQuery(search: Self.search("refused"))) == ["GitRepository/team-a/repo"])
        #expect(names(ResourceQuery(search: Self.search("<script>"))) == ["Kustomization/team-b/apps"])
        #expect(names(ResourceQuery(search: Self.search("dependencynotready"))) == ["Kustomization/team-a/waiting"])
        // Blocked: waiting on a dependency, as the signal series say.
        #expect(names(ResourceQuery(status: .blocked)) == ["Kustomization/team-a/waiting"])
        // The search language: fields with wildcards, negation, AND.
        #expect(names(ResourceQuery(search: Self.search("kind:kustom* ns:team-* -status:suspended -name:waiting"))) == ["Kustomization/team-a/infra", "Kustomization/team-b/apps"])
        #expect(names(ResourceQuery(status: .failing, search: Self.search("-kind:GitRepository"))) == ["Kustomization/team-b/apps"])
    }

    static func search(_ text: String) -> ObjectQuery {
        do { return try ObjectQuery(parsing: text) } catch {
            Issue.record("\(text): \(error)")
            return ObjectQuery()
        }
    }

    /// Stale and drifted depend on the clock and on the object's reconcile evidence and conditions.
    @Test func staleAndDriftedFollowTheSignals() {
        let now: Int64 = 1_800_000_000
        var stale = Self.object("Kustomization", "a", "old")
        stale.signals.interval = 60
        stale.signals.lastReconcile = now - 3600
        stale.signals.periodic = true
        var fresh = Self.object("Kustomization", "a", "fresh")
        fresh.signals.interval = 60
        fresh.signals.lastReconcile = now - 30
        fresh.signals.periodic = true
        var drifted = Self.object("HelmRelease", "a", "web")
        drifted.signals.drifted = true
        let fleet = [(kind: "Kustomization", objects: [stale, fresh]), (kind: "HelmRelease", objects: [drifted])]
        func names(_ status: ResourceQuery.Status) -> [String] { Self.names(ResourcePageBuilder.page(fleet, query: ResourceQuery(status: status), now: now)) }
        #expect(names(.stale) == ["Kustomization/a/old"])
        #expect(names(.drifted) == ["HelmRelease/a/web"])
        #expect(names(.ready) == ["HelmRelease/a/web", "Kustomization/a/fresh", "Kustomization/a/old"])
    }

    @Test func pagesCoverEveryMatchOnceInOrder() throws {
        // Pages of 2 over 6 objects: exactly three pages, the last without a next token.
        var query = ResourceQuery(limit: 2)
        var seen: [String] = []
        var pages = 0
        while true {
            let page = ResourcePageBuilder.page(Self.fleet, query: query)
            pages += 1
            #expect(page.total == 6)
            seen += Self.names(page)
            guard let next = page.next else { break }
            // Through the wire format, as a client would send it.
            query = try StatusPageQueryTests.parse([("limit", "2"), ("continue", next.token)])
        }
        #expect(pages == 3)
        #expect(seen == Self.names(ResourcePageBuilder.page(Self.fleet, query: ResourceQuery())))
    }

    @Test func aCursorPastTheEndGivesAnEmptyPage() {
        let page = ResourcePageBuilder.page(Self.fleet, query: ResourceQuery(after: ResourceKey(kind: "Z", namespace: "", name: "z")))
        #expect(page.items.isEmpty && page.total == 6 && page.next == nil)
    }

    /// Against a naive reference (filter everything, sort everything, slice), over random fleets,
    /// filters and page sizes; the seed is in the failure message (`TEST_SEED` replays it).
    @Test func agreesWithAReferenceImplementation() throws {
        var rng = TestRandom()
        let seed = rng.seed
        let kinds = ["Bucket", "GitRepository", "HelmRelease", "Kustomization"]
        let namespaces = ["a", "b", "flux-system"]
        for round in 0..<20 {
            var fleet: [(kind: String, objects: [FluxObject])] = []
            for kind in kinds {
                let objects = (0..<Int(rng.next() % 60)).map { i in
                    Self.object(kind, namespaces[Int(rng.next() % 3)], "obj-\(rng.next() % 40)-\(i)",
                                ready: [.true, .false, .unknown][Int(rng.next() % 3)],
                                reason: rng.next() % 4 == 0 ? "DependencyNotReady" : "Failed", suspended: rng.next() % 5 == 0)
                }
                fleet.append((kind, objects))
            }
            let query = ResourceQuery(
                kind: rng.next() % 3 == 0 ? kinds[Int(rng.next() % 4)] : nil, namespace: rng.next() % 3 == 0 ? "a" : nil,
                status: ResourceQuery.Status.allCases[Int(rng.next() % UInt64(ResourceQuery.Status.allCases.count))],
                search: [ObjectQuery(), Self.search("OBJ-1"), Self.search("-name:obj-1*"), Self.search("kind:*Repo* failed")][Int(rng.next() % 4)],
                limit: Int(rng.next() % 25) + 1)
            let all = fleet.flatMap(\.objects).filter(Self.reference(query)).sorted { ResourceKey($0) < ResourceKey($1) }
            var paged: [FluxObject] = []
            var q = query
            while true {
                let page = ResourcePageBuilder.page(fleet, query: q)
                #expect(page.total == all.count, "seed \(seed) round \(round)")
                #expect(page.items.count <= q.limit, "seed \(seed) round \(round)")
                paged += page.items
                guard let next = page.next else { break }
                q.after = next
            }
            #expect(paged.map(ResourceKey.init) == all.map(ResourceKey.init), "seed \(seed) round \(round)")
        }
    }

    /// Written from the definitions (docs/diagnosis.md, Query syntax), not from the filter code.
    static func reference(_ query: ResourceQuery) -> (FluxObject) -> Bool {
        { o in
            if let kind = query.kind, o.kind != kind { return false }
            if let namespace = query.namespace, o.namespace != namespace { return false }
            let waiting = o.ready == .false && o.reason == "DependencyNotReady"
            let status: Bool
            switch query.status {
            case .all: status = true
            case .failing: status = !o.suspended && o.ready == .false && !waiting
            case .blocked: status = !o.suspended && waiting
            case .suspended: status = o.suspended
            case .stale, .drifted: status = false  // no interval, no Drifted condition in this fleet
            case .ready: status = !o.suspended && o.ready == .true
            }
            return status && query.search.terms.allSatisfy { term in
                let holds: Bool
                switch term.test {
                case .text(let text): holds = [o.name, o.reason, o.message].contains { $0.lowercased().contains(text.lowercased()) }
                case .field(.name, let pattern) where pattern.hasSuffix("*"): holds = o.name.lowercased().hasPrefix(pattern.dropLast().lowercased())
                case .field(.kind, "*Repo*"): holds = o.kind.contains("Repo")
                default: holds = false
                }
                return holds != term.negated
            }
        }
    }
}

@Suite struct StatusPageFeedTests {
    static let base = FluxObject(kind: "Kustomization", namespace: "ns", name: "apps", ready: .true, reason: "Succeeded", revision: "main@sha1:1")

    @Test func describesWhatAUserSees() {
        var failed = Self.base
        failed.ready = .false
        failed.reason = "BuildFailed"
        #expect(ChangeFeed.describe(old: Self.base, new: failed) == "Ready True → False (BuildFailed)")
        var suspended = Self.base
        suspended.suspended = true
        #expect(ChangeFeed.describe(old: Self.base, new: suspended) == "suspended")
        #expect(ChangeFeed.describe(old: suspended, new: Self.base) == "resumed")
        var moved = Self.base
        moved.revision = "main@sha1:2"
        #expect(ChangeFeed.describe(old: Self.base, new: moved) == "revision main@sha1:2")
        // A status write that changes nothing visible is no transition.
        var sameish = Self.base
        sameish.readySince = 42
        #expect(ChangeFeed.describe(old: Self.base, new: sameish) == nil)
    }

    @Test func keepsTheNewestTransitionsBounded() {
        let feed = ChangeFeed()
        let before = feed.version
        feed.objectEvents([.added(CachedFluxObject(Self.base))])  // initial LIST: counted as a change, not a transition
        #expect(feed.version != before)
        #expect(feed.transitions().isEmpty)
        for i in 0..<(ChangeFeed.capacity + 10) {
            var old = Self.base, new = Self.base
            old.name = "o\(i)"
            new.name = "o\(i)"
            new.revision = "r\(i)"
            feed.objectEvents([.updated(old: CachedFluxObject(old), new: CachedFluxObject(new))], now: Int64(i))
        }
        let recent = feed.transitions(limit: ChangeFeed.capacity + 100)
        #expect(recent.count == ChangeFeed.capacity)
        #expect(recent.first?.name == "o\(ChangeFeed.capacity + 9)")
        #expect(recent.last?.name == "o10")
        #expect(feed.transitions(of: ResourceKey(kind: "Kustomization", namespace: "ns", name: "o2005")).map(\.change) == ["revision r2005"])
        feed.objectEvents([.deleted(CachedFluxObject(Self.base))], now: 1)
        #expect(feed.transitions(limit: 1).first?.change == "deleted")
    }
}

@Suite struct StatusPageTimestampTests {
    @Test func parsesRFC3339() {
        #expect(Timestamp.parseRFC3339("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamp.parseRFC3339("2024-05-01T12:00:00Z") == 1_714_564_800)
        #expect(Timestamp.parseRFC3339("2024-05-01T12:00:00.123456Z") == 1_714_564_800)
        #expect(Timestamp.parseRFC3339("2024-05-01T14:00:00+02:00") == 1_714_564_800)
        #expect(Timestamp.parseRFC3339("2024-02-29T00:00:00Z") == 1_709_164_800)
        for seconds: Int64 in [0, 951_782_400, 1_714_564_800, 4_102_444_799, 253_402_300_799] {
            #expect(Timestamp.parseRFC3339(Timestamp.rfc3339(secondsSinceEpoch: seconds)) == seconds)
        }
    }

    @Test(arguments: ["", "yesterday", "2024-05-01", "2024-05-01T12:00:00", "2024-13-01T00:00:00Z", "2024-05-01T25:00:00Z",
                      "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+2:00", "2024-05-01T12:00:00Zjunk", "９９９９-05-01T12:00:00Z",
                      String(repeating: "9", count: 100)])
    func rejectsMalformed(text: String) {
        #expect(Timestamp.parseRFC3339(text) == nil)
    }

    @Test func objectsCarryTheirReadySince() {
        let json: JSONValue = [
            "metadata": ["name": "a", "namespace": "b"],
            "status": ["conditions": [["type": "Ready", "status": "False", "reason": "X", "lastTransitionTime": "2024-05-01T12:00:00Z"]]],
        ]
        #expect(FluxObject(json: json, kind: "Kustomization").readySince == 1_714_564_800)
        #expect(FluxObject(json: ["metadata": ["name": "a"]], kind: "Kustomization").readySince == 0)
    }
}

@Suite struct StatusPageAssetTests {
    static let texts = StatusPageAssets.files.mapValues { String(decoding: $0.bytes, as: UTF8.self) }

    /// Object text reaches the DOM only as text nodes: no API in a script parses markup.
    @Test func scriptsNeverParseMarkup() {
        for (name, text) in Self.texts where name.hasSuffix(".js") {
            for api in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                #expect(!text.contains(api), "\(api) in \(name)")
            }
        }
    }

    /// Every asset is embedded: nothing is fetched from another origin. (The SVG namespace name is
    /// an identifier that is never fetched.)
    @Test func noExternalAssets() {
        for asset in Array(Self.texts.values) + [StatusPageAssets.html(basePath: "")] {
            let text = asset.replacingOccurrences(of: "\"http://www.w3.org/2000/svg\"", with: "")
            #expect(!text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"))
        }
    }

    /// index.html loads exactly the files served under /assets/ (a file added to Assets/ and
    /// not to the table, or the reverse, fails here), each under the base path.
    @Test func indexLoadsEveryServedAsset() {
        let html = StatusPageAssets.html(basePath: "/flux")
        let referenced = Set(html.split(separator: "\"").compactMap { part -> String? in
            part.hasPrefix("/flux/assets/") ? String(part.dropFirst("/flux/assets/".count)) : nil
        })
        #expect(referenced == Set(StatusPageAssets.files.keys))
        #expect(!html.contains("{{"))
        #expect(!html.contains("\"/assets/") && !html.contains("href=\"/\""))
    }
}

@Suite struct StatusPageFlagTests {
    func resolve(_ arguments: [String]) throws -> OperatorConfiguration {
        try RunCommand.parse(arguments).resolve(environment: [:], serviceAccountNamespaceFile: "/nonexistent")
    }

    @Test func webAddressDefaultsToPort9080AndZeroTurnsItOff() throws {
        #expect(try resolve([]).webAddress == ListenAddress.anyInterface(port: 9080))
        #expect(try resolve(["--web-addr", "127.0.0.1:0"]).webAddress == ListenAddress(host: "127.0.0.1", port: 0))
        #expect(try resolve(["--web-addr", "0"]).webAddress == nil)
        // Off unless asked for when the configuration is built in code (tests, embedders).
        #expect(OperatorConfiguration().webAddress == nil)
    }

    @Test(arguments: ["9080", "bogus", ":99999", ":-1", "host:port"])
    func rejectsBadWebAddresses(_ text: String) {
        #expect(throws: (any Error).self) { try resolve(["--web-addr", text]) }
    }

    @Test func webBasePathDefaultsToTheRoot() throws {
        #expect(try resolve([]).webBasePath.path == "")
        #expect(try resolve(["--web-base-path", "/"]).webBasePath.path == "")
        #expect(try resolve(["--web-base-path", "/flux/status"]).webBasePath.path == "/flux/status")
        #expect(try resolve(["--web-base-path", "/a.b/_c~-d/.e/..f"]).webBasePath.route("/api/v1/problems") == "/a.b/_c~-d/.e/..f/api/v1/problems")
        #expect(WebBasePath().route("/") == "/")
        #expect(try WebBasePath(parsing: "/x").route("/") == "/x")
    }

    @Test(arguments: ["flux", "/flux/", "/a//b", "/a/../b", "/..", "/.", "/a/./b", "/a b", "/a?b", "/a#b", "/a%2e", "/ä",
                      "/\"><script>", "/" + String(repeating: "a", count: WebBasePath.maxLength)])
    func rejectsBadWebBasePaths(_ text: String) {
        #expect(throws: UsageError.self) { try resolve(["--web-base-path", text]) }
    }

    /// Random strings: either rejected, or made only of the allowed characters with no dot segment
    /// (what is written into the HTML needs no escaping).
    @Test func webBasePathsAreSafeOrRejected() {
        var rng = TestRandom()
        let alphabet = Array("/.a-_~Z9 %\"<>?#\\é")
        for _ in 0..<2000 {
            let text = "/" + String((0..<Int(rng.next() % 12)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            guard let parsed = try? WebBasePath(parsing: text) else { continue }
            #expect(parsed.path.isEmpty || parsed.path == text, "seed \(rng.seed): \(text)")
            #expect(parsed.path.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || "/-._~".unicodeScalars.contains($0)) },
                    "seed \(rng.seed): \(text)")
            let segments = parsed.path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            #expect(!segments.contains { $0.isEmpty || $0 == "." || $0 == ".." }, "seed \(rng.seed): \(text)")
        }
    }
}
