import ControllerRuntime
import FluxReport
import Foundation
import KubeCore
import KubeFake
import Logging
import TestSupport
import Testing
@testable import FluxReportOperator

/// The per-object series kept compressed per bucket (`ObjectSeriesCache`) against a scrape rendered
/// from scratch: a seeded random sequence of object creations, updates and deletions, relists (watch
/// history compacted, watches dropped), CRD removals and re-additions, time advancing, leadership
/// flips and scrapes, over a real `ClusterCache` fed by `FakeKubeAPI`. After each step, once the caches
/// hold the API's state, the gzip scrape (cached segments spliced) must inflate to exactly the plain
/// scrape, whose every bucket is rendered now from the current objects. Each runs under byte budgets
/// of every size (`Budget`): dropping buckets and rendering them again must not change a byte of the
/// scrape, and what is kept stays within the budget. Replay a failure with `METRICS_CACHE_SEED=<seed>`.
@Suite(.serialized) struct MetricsCacheModelTests {
    static let namespace = "flux-system"

    final class World: Sendable {
        let clock: LockedState<Int64>
        let leader = LockedState(true)
        init(start: Int64) { clock = LockedState(start) }
    }

    /// The series cache's budget of a run.
    enum Budget: String, CaseIterable, Sendable, CustomTestStringConvertible {
        /// Nothing kept: every scrape renders every bucket.
        case zero
        /// A few hundred bytes to a few KiB: buckets dropped at every scrape, a few small ones kept.
        case tiny
        /// Part of the fleet's buckets kept.
        case small
        case standard

        func bytes(_ rng: inout TestRandom) -> Int {
            switch self {
            case .zero: return 0
            case .tiny: return Int.random(in: 1...4096, using: &rng)
            case .small: return Int.random(in: 4096...65536, using: &rng)
            case .standard: return OperatorConfiguration.defaultSeriesCacheSize
            }
        }

        var testDescription: String { rawValue }
    }

    /// `METRICS_CACHE_SEED` if set (a replay), else a random seed; printed either way.
    static func random(_ test: String) -> TestRandom {
        let random = TestRandom(variable: "METRICS_CACHE_SEED")
        print("MetricsCacheModelTests.\(test) \(random)")
        return random
    }

    @Test("gzip scrapes from cached buckets equal scrapes rendered from scratch (seed printed on failure)", arguments: Budget.allCases)
    func cachedScrapesMatchFreshOnes(_ budgetKind: Budget) async throws {
        var rng = Self.random("cachedScrapesMatchFreshOnes(\(budgetKind))")
        let seed = rng.seed
        let budget = budgetKind.bytes(&rng)
        let api = try await ReportReconcilerTests.cluster(seed: seed % 1000)
        let world = World(start: Int64(Date().timeIntervalSince1970))
        let selection = ObjectLabelSelection(keys: ["step"])
        let logger = Logger(label: "test")
        let cache = ClusterCache(api: api, namespace: Self.namespace, objectLabels: selection, gotkResourceInfo: true, logger: logger)
        let isLeader: @Sendable () -> Bool = { world.leader.withLock { $0 } }
        let metrics = FluxObjectMetrics(cache: cache, objectLabels: selection, gotk: true, gotkResourceInfo: true,
                                        signals: SignalSettings(perObjectTransitions: true), seriesCacheBudget: budget,
                                        tracker: SignalTracker(now: { world.clock.withLock { $0 } }), deletedRetention: 120,
                                        now: { Date(timeIntervalSince1970: TimeInterval(world.clock.withLock { $0 })) },
                                        isLeader: isLeader)
        cache.objectEvents.addBatchHandler { metrics.objectEvents($0) }
        let registry = MetricsRegistry()
        registry.register(collector: metrics.objects)
        registry.register(collector: metrics.signals)
        if let gotkResourceInfo = metrics.gotkResourceInfo { registry.register(collector: gotkResourceInfo) }
        let task = Task { await cache.run() }
        defer { task.cancel() }
        await cache.waitForSync()

        let crds = api.objects(.customResourceDefinitions).values.filter { FluxCRD(json: $0)?.isReported == true }
            .sorted { ($0.name) < ($1.name) }
        var removedCRDs: [JSONValue] = []
        var checks = 0
        for step in 0..<160 {
            let resources = Self.servedResources(api)
            let roll = Int.random(in: 0..<100, using: &rng)
            var action = ""
            switch roll {
            case 0..<25:
                guard let (resource, object) = Self.randomObject(api, resources, &rng) else { break }
                var copy = object
                copy["metadata"]["name"] = .string("m\(step)-\(object.name)")
                copy["metadata"]["resourceVersion"] = nil
                copy["metadata"]["labels"]["step"] = .string("\(step)")
                _ = try await api.create(resource, namespace: object.namespace, object: copy, options: WriteOptions())
                action = "create \(copy.name)"
            case 25..<55:
                guard let (resource, object) = Self.randomObject(api, resources, &rng) else { break }
                var copy = object
                copy["metadata"]["labels"]["step"] = .string("\(step)")
                if Bool.random(using: &rng) { copy["spec"]["suspend"] = .bool(Bool.random(using: &rng)) }
                if Bool.random(using: &rng) {
                    let status = ["True", "False", "Unknown"].randomElement(using: &rng) ?? "True"
                    let reason = ["Succeeded", "Failed", "DependencyNotReady", "Progressing"].randomElement(using: &rng) ?? "Failed"
                    copy["status"]["conditions"] = [["type": "Ready", "status": .string(status), "reason": .string(reason),
                                                     "message": .string("step \(step)"),
                                                     "lastTransitionTime": .string(Self.timestamp(world.clock.withLock { $0 }))]]
                }
                _ = try await api.update(resource, namespace: object.namespace, object: copy, subresource: nil, options: WriteOptions())
                action = "update \(object.name)"
            case 55..<70:
                guard let (resource, object) = Self.randomObject(api, resources, &rng) else { break }
                try await api.delete(resource, namespace: object.namespace, name: object.name)
                action = "delete \(object.name)"
            case 70..<73:
                // Relist (a few: the informers' reconnect backoff makes each take a second or more): history forgotten, watches dropped (410 on resume), a change meanwhile.
                api.compact()
                api.dropWatches()
                if let (resource, object) = Self.randomObject(api, resources, &rng) {
                    try await api.delete(resource, namespace: object.namespace, name: object.name)
                }
                action = "relist"
            case 76..<80:
                if removedCRDs.isEmpty || Bool.random(using: &rng), crds.count - removedCRDs.count > 1,
                   let crd = crds.filter({ crd in !removedCRDs.contains { $0.name == crd.name } }).randomElement(using: &rng) {
                    try await api.delete(.customResourceDefinitions, namespace: nil, name: crd.name)
                    removedCRDs.append(crd)
                    action = "remove CRD \(crd.name)"
                } else if let crd = removedCRDs.popLast() {
                    var copy = crd
                    copy["metadata"]["resourceVersion"] = nil
                    _ = try await api.create(.customResourceDefinitions, namespace: nil, object: copy, options: WriteOptions())
                    action = "restore CRD \(crd.name)"
                }
            case 80..<92:
                let seconds = Int64.random(in: 1...900, using: &rng)
                world.clock.withLock { $0 += seconds }
                action = "time +\(seconds) s"
            case 92..<96:
                world.leader.withLock { $0.toggle() }
                action = "leader \(isLeader())"
            default:
                action = "scrape"
            }
            try await Self.awaitConverged(api, cache, step: step, seed: seed)
            guard try await Self.compare(registry, isLeader: isLeader(), step: step, action: action, seed: seed) else { return }
            #expect(metrics.series.usage.bytes <= budget, "step \(step) (\(action)): kept over the budget \(budget), seed \(seed)")
            checks += 1
        }
        #expect(checks == 160)
        try Self.checkUsage(metrics, budgetKind, budget: budget, seed: seed)
    }

    /// What the run kept and dropped, against its budget and against what `flux_report_series_cache_*` says.
    static func checkUsage(_ metrics: FluxObjectMetrics, _ budgetKind: Budget, budget: Int, seed: UInt64) throws {
        let usage = metrics.series.usage
        switch budgetKind {
        case .zero: #expect(usage.bytes == 0 && usage.evictions > 0, "budget 0: \(usage), seed \(seed)")
        case .tiny: #expect(usage.evictions > 0, "a tiny budget drops buckets: \(usage), seed \(seed)")
        case .small: break
        case .standard: #expect(usage.evictions == 0, "the default budget holds a small fleet: \(usage), seed \(seed)")
        }
        var text: [UInt8] = []
        metrics.seriesCache.collect(into: &text)
        let lines = String(decoding: text, as: UTF8.self).split(separator: "\n")
        #expect(lines.contains("flux_report_series_cache_bytes \(usage.bytes)"), "\(lines), seed \(seed)")
        #expect(lines.contains("flux_report_series_cache_budget_bytes \(budget)"), "\(lines), seed \(seed)")
        #expect(lines.contains("flux_report_series_cache_evictions_total \(usage.evictions)"), "\(lines), seed \(seed)")
    }

    /// A kind grown past 4 × 128 objects per bucket is split into more buckets, and shrunk below a
    /// quarter of that, merged again (`ObjectSeriesCache.snapshot`); the random test's fleet stays in
    /// one bucket per kind. Scrapes must equal fresh ones across both changes and the churn between.
    @Test("re-bucketing when a kind grows and shrinks (seed printed on failure)", arguments: [Budget.standard, .small])
    func rebucketing(_ budgetKind: Budget) async throws {
        var rng = Self.random("rebucketing(\(budgetKind))")
        let seed = rng.seed
        let budget = budgetKind.bytes(&rng)
        let api = try await ReportReconcilerTests.cluster(seed: seed % 1000)
        let selection = ObjectLabelSelection(keys: ["step"])
        let cache = ClusterCache(api: api, namespace: Self.namespace, objectLabels: selection, logger: Logger(label: "test"))
        let metrics = FluxObjectMetrics(cache: cache, objectLabels: selection, gotk: true, gotkResourceInfo: false, signals: SignalSettings(),
                                        seriesCacheBudget: budget, isLeader: { true })
        cache.objectEvents.addBatchHandler { metrics.objectEvents($0) }
        let registry = MetricsRegistry()
        registry.register(collector: metrics.objects)
        registry.register(collector: metrics.signals)
        let task = Task { await cache.run() }
        defer { task.cancel() }
        await cache.waitForSync()
        guard let resource = Self.servedResources(api).first(where: { $0.kind == "Kustomization" }),
              let template = api.objects(resource).values.first else {
            Issue.record("no Kustomization in the fleet, seed \(seed)")
            return
        }
        var names: [String] = []
        func create(_ count: Int, step: Int) async throws {
            for index in 0..<count {
                var copy = template
                copy["metadata"]["name"] = .string("grow-\(step)-\(index)")
                copy["metadata"]["resourceVersion"] = nil
                copy["metadata"]["labels"]["step"] = .string("\(step)")
                _ = try await api.create(resource, namespace: template.namespace, object: copy, options: WriteOptions())
                names.append("grow-\(step)-\(index)")
            }
        }
        let phases: [(String, Int)] = [("grow", 700), ("shrink", -640), ("grow", 350), ("churn", 0)]
        for (step, (phase, count)) in phases.enumerated() {
            if count > 0 { try await create(count, step: step) }
            if count < 0 {
                names.shuffle(using: &rng)
                for name in names.suffix(-count) { try await api.delete(resource, namespace: template.namespace, name: name) }
                names.removeLast(-count)
            }
            if phase == "churn", let name = names.randomElement(using: &rng),
               var object = api.objects(resource)["\(template.namespace ?? "")/\(name)"] {
                object["metadata"]["labels"]["step"] = .string("churned")
                _ = try await api.update(resource, namespace: template.namespace, object: object, subresource: nil, options: WriteOptions())
            }
            try await Self.awaitConverged(api, cache, step: step, seed: seed)
            guard try await Self.compare(registry, isLeader: true, step: step, action: phase, seed: seed) else { return }
            #expect(metrics.series.usage.bytes <= budget, "step \(step) (\(phase)): kept over the budget \(budget), seed \(seed)")
        }
    }

    static func timestamp(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The Flux kinds whose CRD the API serves now.
    static func servedResources(_ api: FakeKubeAPI) -> [GroupVersionResource] {
        api.objects(.customResourceDefinitions).values.compactMap { FluxCRD(json: $0) }.filter(\.isReported).compactMap(\.resource)
            .sorted { "\($0)" < "\($1)" }
    }

    static func randomObject(_ api: FakeKubeAPI, _ resources: [GroupVersionResource], _ rng: inout TestRandom) -> (GroupVersionResource, JSONValue)? {
        guard let resource = resources.randomElement(using: &rng) else { return nil }
        let objects = api.objects(resource).sorted { $0.key < $1.key }
        guard let object = objects.randomElement(using: &rng)?.value else { return nil }
        return (resource, object)
    }

    /// Until the caches hold what the API serves: the served kinds, and per kind the same keys
    /// with the same `step` label.
    static func awaitConverged(_ api: FakeKubeAPI, _ cache: ClusterCache, step: Int, seed: UInt64) async throws {
        try await waitUntil("caches converge at step \(step), seed \(seed)", timeout: .seconds(30), interval: .milliseconds(5)) {
            let served = Set(servedResources(api).map { "\($0)" })
            let kinds = cache.kinds
            guard Set(kinds.compactMap { $0.informer.map { "\($0.resource)" } }) == served else { return false }
            for entry in kinds {
                guard let informer = entry.informer else { return false }
                let want = Dictionary(uniqueKeysWithValues: api.objects(informer.resource).map { ($0.key, $0.value[path: "metadata", "labels", "step"].string ?? "") })
                let have = informer.store.snapshot().mapValues { $0.object.labelValues.first ?? "" }
                guard want == have else { return false }
            }
            return true
        }
    }

    /// The gzip scrape inflated against the plain one; retried for a moment (an informer delivers an
    /// event just after its store changed), then recorded with the seed.
    static func compare(_ registry: MetricsRegistry, isLeader: Bool, step: Int, action: String, seed: UInt64) async throws -> Bool {
        var last: (cached: String, fresh: String) = ("", "")
        let equal = try? await eventually("equal scrapes", timeout: .seconds(5), interval: .milliseconds(10)) { () -> String? in
            let cached = String(decoding: try Gzip.decompress(registry.scrapeGzip()), as: UTF8.self)
            let fresh = registry.scrapeString()
            last = (cached, fresh)
            return cached == fresh ? cached : nil
        }
        if let equal {
            #expect(equal.contains("flux_resource_info{") == isLeader, "step \(step) (\(action)), seed \(seed)")
            // Nothing changes now (a late event only re-renders what the stores already hold): every
            // further scrape must be equal at once. Under a short budget each one drops and keeps
            // buckets again, so a kept bucket served for the wrong key would show here.
            for again in 1...3 {
                let cached = String(decoding: try Gzip.decompress(registry.scrapeGzip()), as: UTF8.self)
                guard cached == equal else {
                    let (cachedLines, freshLines) = (Set(cached.split(separator: "\n")), Set(equal.split(separator: "\n")))
                    Issue.record("""
                        step \(step) (\(action)): repeated scrape \(again) differs with nothing changing, seed \(seed) (METRICS_CACHE_SEED=\(seed))
                        only cached: \(cachedLines.subtracting(freshLines).sorted().prefix(5))
                        only fresh: \(freshLines.subtracting(cachedLines).sorted().prefix(5))
                        """)
                    return false
                }
            }
            return true
        }
        let cachedLines = Set(last.cached.split(separator: "\n"))
        let freshLines = Set(last.fresh.split(separator: "\n"))
        Issue.record("""
            step \(step) (\(action)): cached scrape differs from a fresh one, seed \(seed) (METRICS_CACHE_SEED=\(seed))
            only cached: \(cachedLines.subtracting(freshLines).sorted().prefix(5))
            only fresh: \(freshLines.subtracting(cachedLines).sorted().prefix(5))
            """)
        return false
    }
}
