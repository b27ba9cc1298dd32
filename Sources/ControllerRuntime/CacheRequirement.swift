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
    /// integers when both parse), or completed a LIST that started after `instant`, or its running
    /// watch was accepted by the server before `instant`. In that last case only the delivery of
    /// events the server has already sent separates it from the server; a watch sent but not yet
    /// answered does not count (a slow server replays the changes it missed only when it answers).
    case asOf(ContinuousClock.Instant, resourceVersion: String?)
}
