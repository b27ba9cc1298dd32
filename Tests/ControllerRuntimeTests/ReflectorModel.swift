import TestSupport
@testable import ControllerRuntime

/// What a reflector's store must hold after each event: an init replaces the state only when done;
/// a new init drops an unfinished one. Also draws the random events the model tests feed both.
struct ReflectorModel<Object: Sendable> {
    var items: [String: Object] = [:]
    var pending: [String: Object]?  // an init in progress

    /// A random event for `key`, in step with an init in progress.
    func randomEvent(key: String, object: Object, step: Int, using rng: inout TestRandom) -> WatcherEvent<Object> {
        switch rng.next() % 10 {
        case 0: .initStarted
        case 1, 2: pending == nil ? .applied(key: key, object: object) : .initApply(key: key, object: object)
        case 3: pending == nil ? .deleted(key: key) : .initDone(resourceVersion: "\(step)")
        case 4: .applied(key: key, object: nil)
        case 5: .deleted(key: key)
        default: .applied(key: key, object: object)
        }
    }

    mutating func apply(_ event: WatcherEvent<Object>) {
        switch event {
        case .initStarted: pending = [:]
        case .initApply(let key, let object): pending?[key] = object
        case .initDone:
            items = pending ?? [:]
            pending = nil
        case .applied(let key, let object?): items[key] = object
        case .applied(let key, nil), .deleted(let key): items[key] = nil
        }
    }
}
