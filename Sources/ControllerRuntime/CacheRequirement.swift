/// What a reader needs of an informer's cache before trusting it.
///
/// A watch-fed cache is behind the API server whenever its watch is down (backing off after an
/// error, relisting after `410 Gone`, or just resumed and still replaying what it missed). A
/// report computed from such a cache would be stale yet look good, so the reconciler states what
/// it needs and waits (bounded) until every cache it reads satisfies it.
public enum CacheRequirement: Sendable, Equatable {
    /// Synced, and a watch is running: not known to be behind.
    case live
    /// Reflects every change the API server accepted before a request was observed at `instant`,
    /// the request's object having `resourceVersion`. Holds when the cache has applied a
    /// resourceVersion at least as new (resourceVersions are etcd revisions, comparable as
    /// integers when both parse), or completed a LIST that started after `instant`, or has been
    /// watching without interruption since before `instant` (then only the watch's own delivery
    /// latency separates it from the server).
    case asOf(ContinuousClock.Instant, resourceVersion: String?)
}
