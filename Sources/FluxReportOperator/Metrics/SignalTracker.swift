import ControllerRuntime
import FluxReport
import Foundation
import KubeCore

/// The operator's own observations of each object over time (`SignalHistory`), fed by informer
/// events. Only objects that differ from a healthy one have an entry, and a deleted object's goes
/// with it, so the table is bounded by the live objects and empty for a healthy fleet.
final class SignalTracker: Sendable {
    private struct State {
        var entries: [Key: SignalHistory] = [:]
        /// Ready True ↔ False changes per kind since the process started (a counter: never decreases).
        var transitionsByKind: [String: UInt64] = [:]
    }
    private let state = LockedState(State())
    /// Seconds since the Unix epoch; injectable so tests control time.
    let now: @Sendable () -> Int64

    init(now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) { self.now = now }

    /// An entry's key: the object's uid in its compact form (a lookup allocates nothing, and a scrape
    /// looks up every object with a state), else kind/namespace/name for an object without a uid.
    struct Key: Hashable, Sendable {
        let uid: ObjectUID
        let path: String

        init(uid: String) {
            self.uid = ObjectUID(uid)
            path = ""
        }

        init(_ object: FluxObject) {
            uid = object.objectUID
            path = uid.isEmpty ? DependencyRoots.key(kind: object.kind, namespace: object.namespace, name: object.name) : ""
        }
    }

    static func key(_ object: FluxObject) -> Key { Key(object) }

    /// `key(_:)` read through the box.
    static func key(_ cached: CachedFluxObject) -> Key { Key(cached.object) }

    /// Informer events of every Flux kind, a batch under one lock (a relist's are all at once).
    func objectEvents(_ events: [InformerEvent<CachedFluxObject>]) {
        let time = now()
        state.withLock { state in
            for event in events {
                switch event {
                case .deleted(let cached):
                    _ = state.entries.removeValue(forKey: Self.key(cached))
                case .added(let cached):
                    Self.observe(&state, cached.object, first: true, now: time)
                case .updated(_, let cached):
                    Self.observe(&state, cached.object, first: false, now: time)
                }
            }
        }
    }

    private static func observe(_ state: inout State, _ object: FluxObject, first: Bool, now: Int64) {
        let key = Self.key(object)
        var history = state.entries[key] ?? SignalHistory()
        let before = history.transitions
        history.observe(object, now: now, first: first)
        // `transitions` only grows (saturating at UInt32.max), so the difference cannot go negative.
        if history.transitions > before {
            state.transitionsByKind[object.kind, default: 0] &+= UInt64(history.transitions - before)
        }
        if history.isDefault {
            state.entries.removeValue(forKey: key)
        } else {
            state.entries[key] = history
        }
    }

    /// A copy of the table (copy-on-write: cheap while no event mutates it meanwhile).
    var snapshot: (entries: [Key: SignalHistory], transitionsByKind: [String: UInt64]) {
        state.withLock { ($0.entries, $0.transitionsByKind) }
    }
}
