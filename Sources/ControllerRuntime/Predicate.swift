import KubeCore

/// Filters informer events before they reach the work queue (controller-runtime's `predicate.Funcs`).
public struct Predicate<Object: Sendable>: Sendable {
    public var create: @Sendable (Object) -> Bool
    public var update: @Sendable (_ old: Object, _ new: Object) -> Bool
    public var delete: @Sendable (Object) -> Bool

    public init(create: @escaping @Sendable (Object) -> Bool = { _ in true },
                update: @escaping @Sendable (Object, Object) -> Bool = { _, _ in true },
                delete: @escaping @Sendable (Object) -> Bool = { _ in true }) {
        self.create = create
        self.update = update
        self.delete = delete
    }

    /// Whether an event passes.
    public func accepts(_ event: InformerEvent<Object>) -> Bool {
        switch event {
        case .added(let object): return create(object)
        case .updated(let old, let new): return update(old, new)
        case .deleted(let object): return delete(object)
        }
    }

    /// Updates pass only when the projected value changed; creates and deletes always pass.
    public static func changed<Value: Equatable & Sendable>(_ project: @escaping @Sendable (Object) -> Value) -> Predicate {
        Predicate(update: { old, new in project(old) != project(new) })
    }

    /// Passes when any of the predicates passes.
    public static func or(_ predicates: [Predicate]) -> Predicate {
        Predicate(
            create: { object in predicates.contains { $0.create(object) } },
            update: { old, new in predicates.contains { $0.update(old, new) } },
            delete: { object in predicates.contains { $0.delete(object) } })
    }
}

extension Predicate where Object == JSONValue {
    /// `metadata.generation` changed (spec edits, not status updates).
    public static var generationChanged: Predicate { .changed { $0.generation } }

    /// The given annotation changed (e.g. `reconcile.fluxcd.io/requestedAt`).
    public static func annotationChanged(_ key: String) -> Predicate { .changed { $0.annotations[key] } }

    public static var labelsChanged: Predicate { .changed { $0.labels } }
}
