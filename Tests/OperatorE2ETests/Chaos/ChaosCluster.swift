import FluxReport
import Foundation
import KubeClient
import KubeCore
import KubeSim
import TestSupport

/// The chaos test's side of the cluster: random API operations and faults applied straight to
/// KubeSim (in process, so the test's own actions never meet the faults it injects), and a model
/// of which Flux objects exist, to pick targets from.
final class ChaosCluster {
    let sim: KubeSim
    var random: TestRandom
    /// Flux kinds by `Kind.group`: the CRD as stored (to remove and re-add it) and one object of the
    /// kind as a template for new ones.
    private var crds: [String: JSONValue] = [:]
    private var templates: [String: JSONValue] = [:]
    /// Objects believed to exist, by `Kind.group`, as `namespace/name`.
    private var objects: [String: Set<String>] = [:]
    private var removedCRDs: [String: JSONValue] = [:]
    private var upgraded: Set<String> = []
    private var created = 0
    /// What was done, for the failure message.
    private(set) var log: [String] = []

    /// Kinds whose objects the operations touch (the report's main kinds).
    static let objectKinds = ["GitRepository", "OCIRepository", "HelmRelease", "Kustomization", "HelmChart", "Bucket"]
    /// Kinds whose CRD may be removed, re-added or upgraded (not the sync pair's).
    static let crdKinds = ["Bucket", "HelmChart", "ImagePolicy", "Alert"]

    init(sim: KubeSim, seed: UInt64) {
        self.sim = sim
        random = TestRandom(seed: seed, variable: "CHAOS_SEED")
    }

    /// Reads the starting state through the API (no faults are active yet).
    func load(api: any KubeAPI) async throws {
        for crdJSON in try await api.listAll(.customResourceDefinitions, namespace: nil).items {
            guard let crd = FluxCRD(json: crdJSON), crd.isReported, let resource = crd.resource else { continue }
            crds[crd.groupKind] = crdJSON
            let items = try await api.listAll(resource, namespace: nil).items
            objects[crd.groupKind] = Set(items.map { "\($0.namespace ?? "")/\($0.name)" })
            if let template = items.first(where: { $0.name != "flux-system" }) { templates[crd.groupKind] = template }
        }
    }

    private func resource(_ groupKind: String) -> GroupVersionResource? {
        guard let json = crds[groupKind] else { return nil }
        let stored = sim.get(.customResourceDefinitions, namespace: nil, name: json.name) ?? json
        return FluxCRD(json: stored)?.resource
    }

    private func groupKind(_ kind: String) -> String? { crds.keys.sorted().first { $0.hasPrefix(kind + ".") } }

    // MARK: operations

    /// One random API operation; failures (the object went with its CRD, say) are part of the game.
    func randomOperation(iteration: Int) {
        let roll = random.int(0...99)
        do {
            switch roll {
            case 0..<22: try createObject(iteration: iteration)
            case 22..<52: try setReady()
            case 52..<70: try toggleSuspend()
            case 70..<85: try deleteObject()
            case 85..<92: try removeOrRestoreCRD()
            default: try upgradeCRD()
            }
        } catch {
            log.append("  (operation failed: \(error))")
        }
    }

    private func pickObject() -> (groupKind: String, resource: GroupVersionResource, namespace: String, name: String)? {
        let kinds = Self.objectKinds.compactMap(groupKind).filter { removedCRDs[$0] == nil && !(objects[$0]?.isEmpty ?? true) }
        guard let kind = random.pick(kinds), let resource = resource(kind),
              let key = random.pick((objects[kind] ?? []).sorted().filter { !$0.hasSuffix("/flux-system") }) else { return nil }
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        return (kind, resource, parts[0], parts[1])
    }

    private func createObject(iteration: Int) throws {
        let kinds = Self.objectKinds.compactMap(groupKind).filter { removedCRDs[$0] == nil && templates[$0] != nil }
        guard let kind = random.pick(kinds), let resource = resource(kind), var object = templates[kind] else { return }
        created += 1
        let name = "chaos-\(iteration)-\(created)"
        let namespace = object.namespace ?? "flux-system"
        object["apiVersion"] = .string(resource.group + "/" + resource.version)
        object["metadata"] = ["name": .string(name), "namespace": .string(namespace)]
        object["status"] = readyStatus(for: object)
        try sim.load(objects: [object])
        objects[kind, default: []].insert("\(namespace)/\(name)")
        log.append("create \(kind) \(namespace)/\(name)")
    }

    private func readyStatus(for object: JSONValue) -> JSONValue {
        var status = object["status"]
        if case .null = status { status = [:] }
        let ready = random.pick(["True", "True", "False", "Unknown"]) ?? "True"
        let reason = ready == "True" ? "Succeeded" : (random.pick(["BuildFailed", "DependencyNotReady", "Progressing"]) ?? "BuildFailed")
        status["conditions"] = [[
            "type": "Ready", "status": .string(ready), "reason": .string(reason),
            "message": .string("chaos \(random.int(0...9999))"), "lastTransitionTime": "2026-11-29T12:00:00Z",
        ]]
        if random.chance(0.3), case .object = status["artifact"] {
            status["artifact"]["size"] = .int(Int64(random.int(0...200_000_000)))
        }
        return status
    }

    private func setReady() throws {
        guard let target = pickObject() else { return }
        try sim.modify(target.resource, namespace: target.namespace, name: target.name) { object in
            object["status"] = self.readyStatus(for: object)
        }
        log.append("status \(target.groupKind) \(target.namespace)/\(target.name)")
    }

    private func toggleSuspend() throws {
        guard let target = pickObject() else { return }
        try sim.modify(target.resource, namespace: target.namespace, name: target.name) { object in
            object["spec"]["suspend"] = .bool(object["spec"]["suspend"].bool != true)
        }
        log.append("suspend/resume \(target.groupKind) \(target.namespace)/\(target.name)")
    }

    private func deleteObject() throws {
        guard let target = pickObject() else { return }
        objects[target.groupKind]?.remove("\(target.namespace)/\(target.name)")
        try sim.delete(target.resource, namespace: target.namespace, name: target.name)
        log.append("delete \(target.groupKind) \(target.namespace)/\(target.name)")
    }

    /// Removes a CRD (its objects go with it), or puts a removed one back.
    private func removeOrRestoreCRD() throws {
        if let (kind, crd) = removedCRDs.sorted(by: { $0.key < $1.key }).first, random.chance(0.6) {
            var fresh = crd
            fresh["metadata"] = ["name": .string(crd.name), "labels": crd["metadata"]["labels"]]
            fresh["status"] = .null
            try sim.load(objects: [fresh])
            removedCRDs[kind] = nil
            objects[kind] = []
            log.append("restore CRD \(kind)")
            return
        }
        guard let kind = random.pick(Self.crdKinds.compactMap(groupKind).filter { removedCRDs[$0] == nil }),
              let crd = crds[kind] else { return }
        let stored = sim.get(.customResourceDefinitions, namespace: nil, name: crd.name) ?? crd
        removedCRDs[kind] = stored
        objects[kind] = []
        try sim.delete(.customResourceDefinitions, namespace: nil, name: crd.name)
        log.append("remove CRD \(kind)")
    }

    /// Adds a new storage version to a CRD: the report must follow it to the new version.
    private func upgradeCRD() throws {
        guard let kind = random.pick(Self.crdKinds.compactMap(groupKind).filter { removedCRDs[$0] == nil && !upgraded.contains($0) }),
              let crd = crds[kind] else { return }
        try sim.modify(.customResourceDefinitions, namespace: nil, name: crd.name) { object in
            guard var versions = object["spec"]["versions"].array, var newest = versions.last else { return }
            for i in versions.indices { versions[i]["storage"] = false }
            newest["name"] = "v9"
            newest["storage"] = true
            newest["served"] = true
            versions.append(newest)
            object["spec"]["versions"] = .array(versions)
        }
        upgraded.insert(kind)
        log.append("upgrade CRD \(kind) to v9")
    }

    // MARK: faults

    /// One random fault: dropped watches, error windows, throttling, compaction, slow or cut responses.
    func randomFault() {
        switch random.int(0...8) {
        case 0:
            sim.dropWatches()
            log.append("fault: drop watches")
        case 1:
            sim.injectFault(Fault(path: "/apis", verb: "list", code: 500, message: "etcdserver: request timed out"))
            log.append("fault: 500 on every list until healed")
        case 2:
            let times = random.int(1...6)
            sim.injectFault(Fault(path: "/apis", verb: "watch", code: 500, times: times, message: "etcdserver: leader changed"))
            sim.dropWatches()
            log.append("fault: drop watches, next \(times) watches 500")
        case 3:
            let verb = random.pick(["list", "get", "watch"]) ?? "list"
            sim.injectFault(Fault(path: "/", verb: verb, code: 429, times: 3, retryAfterSeconds: 1, message: "too many requests"))
            log.append("fault: 3 × 429 Retry-After 1 on \(verb)")
        case 4:
            sim.compactHistory()
            sim.dropWatches()
            log.append("fault: compact history, drop watches (410 on resume)")
        case 5:
            let delay = random.int(50...600)
            let times = random.int(3...20)
            sim.injectFault(Fault(path: "/apis", times: times, delayMilliseconds: delay))
            log.append("fault: next \(times) requests slow (\(delay) ms)")
        case 6:
            let bytes = random.int(0...3000)
            let times = random.int(1...3)
            sim.injectFault(Fault(path: "/apis", verb: "list", times: times, resetAfterBytes: bytes))
            sim.compactHistory()
            sim.dropWatches()
            log.append("fault: compact, drop watches, next \(times) lists cut after \(bytes) bytes")
        case 7:
            let bytes = random.int(0...400)
            sim.injectFault(Fault(path: "/apis", verb: "watch", times: random.int(1...4), resetAfterBytes: bytes))
            sim.dropWatches()
            log.append("fault: drop watches, next watches cut after \(bytes) bytes")
        default:
            sim.clearFaults()
            log.append("fault: heal (clear faults)")
        }
    }
}
