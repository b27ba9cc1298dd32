import ControllerRuntime
import FluxReport
import Foundation
import KubeCore

/// What changed in the caches, for the status page: a change counter the event streams watch, and
/// the recent transitions of Flux objects (Ready, reason, suspension, revision, deletion).
///
/// Fed from the informers' handlers, so each call is a counter bump or an append under a lock:
/// nothing here may slow the caches down.
final class ChangeFeed: Sendable {
    struct Transition: Sendable, Equatable {
        /// Seconds since the Unix epoch.
        var time: Int64
        var kind: String
        var namespace: String
        var name: String
        var change: String
    }

    /// Recent transitions kept, fleet-wide: enough for "what just happened", bounded in memory.
    static let capacity = 2000

    private struct State {
        var ring: [Transition] = []
        /// Where the next transition goes once the ring is full.
        var next = 0
    }

    private let state = LockedState(State())

    /// Bumped on every cache change (after the transitions it brings are kept); event streams and
    /// the live report wait on it.
    let changes = ChangeSignal()

    var version: UInt64 { changes.version }

    /// A change that feeds the overview (a Deployment, a CRD, cache health) but no object transition.
    func touch() { changes.bump() }

    func objectEvents(_ events: [InformerEvent<CachedFluxObject>], now: Int64 = Int64(Date().timeIntervalSince1970)) {
        let transitions = events.compactMap { event -> Transition? in
            let change: String
            switch event {
            case .added: return nil  // the initial LIST adds every object: not news
            case .updated(let old, let new):
                guard let described = Self.describe(old: old.object, new: new.object) else { return nil }
                change = described
            case .deleted: change = "deleted"
            }
            let object = event.object.object
            return Transition(time: now, kind: object.kind, namespace: object.namespace, name: object.name, change: change)
        }
        state.withLock { state in
            for transition in transitions {
                if state.ring.count < Self.capacity {
                    state.ring.append(transition)
                } else {
                    state.ring[state.next] = transition
                    state.next = (state.next + 1) % Self.capacity
                }
            }
        }
        changes.bump()
    }

    /// Newest first, optionally of one object.
    func transitions(of key: ResourceKey? = nil, limit: Int = 50) -> [Transition] {
        let ordered = state.withLock { state in Array(state.ring[state.next...] + state.ring[..<state.next]) }
        var out: [Transition] = []
        for transition in ordered.reversed() where out.count < limit {
            if let key, ResourceKey(kind: transition.kind, namespace: transition.namespace, name: transition.name) != key { continue }
            out.append(transition)
        }
        return out
    }

    /// What a user would call a transition between two states of an object; nil when nothing they
    /// see changed (status writes that only move observedGeneration or a timestamp).
    static func describe(old: FluxObject, new: FluxObject) -> String? {
        var parts: [String] = []
        if old.ready != new.ready || old.reason != new.reason {
            let reason = new.reason.isEmpty ? "" : " (\(new.reason))"
            parts.append(old.ready == new.ready ? "Ready \(new.ready.rawValue)\(reason)" : "Ready \(old.ready.rawValue) → \(new.ready.rawValue)\(reason)")
        }
        if old.suspended != new.suspended { parts.append(new.suspended ? "suspended" : "resumed") }
        if old.revision != new.revision, !new.revision.isEmpty { parts.append("revision \(new.revision)") }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }
}

extension ChangeFeed.Transition {
    var json: JSONValue {
        ["time": .string(Timestamp.rfc3339(secondsSinceEpoch: time)), "kind": .string(kind), "namespace": .string(namespace),
         "name": .string(name), "change": .string(change)]
    }
}
