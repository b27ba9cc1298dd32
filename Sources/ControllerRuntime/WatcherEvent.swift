/// What a `Watcher` reports, already transformed (kube-rs `watcher::Event`).
///
/// A LIST is streamed: `.initStarted`, one `.initApply` per object, then `.initDone`. The objects
/// of an init replace the whole state only at `.initDone`; an init that fails half-way is followed
/// by a new `.initStarted`, and its objects are discarded. Between inits, `.applied` and
/// `.deleted` come from the watch.
public enum WatcherEvent<Object: Sendable>: Sendable {
    case initStarted
    case initApply(key: String, object: Object)
    /// The LIST completed at `resourceVersion`: what was applied since `.initStarted` is the state.
    case initDone(resourceVersion: String)
    /// ADDED or MODIFIED; `object` is nil when the transform drops it (it no longer qualifies, so
    /// to a cache it is gone).
    case applied(key: String, object: Object?)
    case deleted(key: String)
}
