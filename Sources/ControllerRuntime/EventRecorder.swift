import Foundation
import KubeCore
import Logging
import Synchronization

/// Records Kubernetes Events without ever blocking the caller (client-go's `record.EventRecorder`
/// with the events.k8s.io broadcaster's aggregation).
///
/// - events.k8s.io/v1 when served (discovered once), else core/v1.
/// - A repeat of the same (object, type, reason, message) patches ONE Event object:
///   `series.count`/`series.lastObservedTime` (events.k8s.io) or `count`/`lastTimestamp` (core).
/// - A per-object token bucket (burst 25, one token per 5 min) drops spam.
/// - `record` only buffers; `run()` writes. A full buffer drops the event with a log line.
/// - With a sink, each accepted event is also handed to it asynchronously.
public final class EventRecorder: Sendable {
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    public struct Options: Sendable {
        public var reportingController: String
        public var reportingInstance: String
        public var spamBurst: Int
        public var spamRefill: Duration
        public var bufferSize: Int
        public init(reportingController: String, reportingInstance: String, spamBurst: Int = 25,
                    spamRefill: Duration = .seconds(300), bufferSize: Int = 1000) {
            self.reportingController = reportingController
            self.reportingInstance = reportingInstance
            self.spamBurst = spamBurst
            self.spamRefill = spamRefill
            self.bufferSize = bufferSize
        }
    }

    /// One request to record an event.
    public struct Record: Sendable {
        public var object: ObjectReference
        public var type: EventType
        public var reason: String
        public var message: String
        public var action: String
        public var time: Date
        /// For the sink only (the Event written to the API is unchanged): the secondary object the
        /// event concerns, and annotations (client-go's `AnnotatedEventf`), e.g. `revision`.
        public var related: ObjectReference?
        public var annotations: [String: String]

        public init(object: ObjectReference, type: EventType, reason: String, message: String, action: String, time: Date,
                    related: ObjectReference? = nil, annotations: [String: String] = [:]) {
            self.object = object
            self.type = type
            self.reason = reason
            self.message = message
            self.action = action
            self.time = time
            self.related = related
            self.annotations = annotations
        }
    }

    private struct AggregateKey: Hashable {
        var object: ObjectReference
        var type: EventType
        var reason: String
        var message: String
    }

    private struct Aggregate {
        var name: String
        var namespace: String
        var count: Int
        var useEventsAPI: Bool
    }

    private struct State {
        var useEventsAPI: Bool?
        var aggregates: [AggregateKey: Aggregate] = [:]
        var buckets: [ObjectReference: TokenBucketState] = [:]
    }

    public let options: Options
    private let api: any KubeAPI
    private let sink: (any EventSink)?
    private let logger: Logger
    private let state = LockedState(State())
    private let stream: AsyncStream<Record>
    private let continuation: AsyncStream<Record>.Continuation
    private let dropped = Atomic<Int>(0)
    /// Added to the timestamp in Event names so events recorded in the same nanosecond stay distinct.
    private let sequence = Atomic<UInt64>(0)

    public init(api: any KubeAPI, options: Options, sink: (any EventSink)? = nil, logger: Logger? = nil) {
        self.api = api
        self.options = options
        self.sink = sink
        self.logger = logger ?? Logger(label: "events")
        (stream, continuation) = AsyncStream<Record>.makeStream(bufferingPolicy: .bufferingOldest(max(1, options.bufferSize)))
    }

    /// Buffers an event; returns at once. Dropped (with a log) when the buffer is full.
    public func record(_ object: ObjectReference, type: EventType, reason: String, message: String, action: String = "",
                       related: ObjectReference? = nil, annotations: [String: String] = [:]) {
        let record = Record(object: object, type: type, reason: reason, message: message,
                            action: action.isEmpty ? reason : action, time: Date(), related: related, annotations: annotations)
        switch continuation.yield(record) {
        case .enqueued: break
        case .dropped:
            dropped.add(1, ordering: .relaxed)
            logger.warning("event buffer full, dropping event", metadata: ["reason": "\(reason)", "object": "\(object.name)"])
        case .terminated:
            // The manager stops the recorder only after the controllers, so this is a caller outliving it.
            dropped.add(1, ordering: .relaxed)
            logger.warning("event recorder stopped, dropping event", metadata: ["reason": "\(reason)", "object": "\(object.name)"])
        @unknown default: break
        }
    }

    /// Events dropped because the buffer was full or the recorder had stopped.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Writes buffered events until cancelled; then writes what is still buffered, for at most
    /// `flushTimeout` (client-go's broadcaster shutdown), so the events of a last report are not lost.
    public func run(flushTimeout: Duration = .seconds(2)) async {
        var leftovers: [Record] = []
        await withTaskCancellationHandler {
            for await record in stream {
                if Task.isCancelled { leftovers.append(record) } else { await publish(record) }
            }
        } onCancel: {
            continuation.finish()
        }
        guard !leftovers.isEmpty else { return }
        // From tasks that the cancellation of this one does not reach; the timer bounds the flush.
        let records = leftovers
        let flush = Task { for record in records where !Task.isCancelled { await self.publish(record) } }
        let timer = Task {
            try? await Task.sleep(for: flushTimeout)
            flush.cancel()
        }
        await flush.value
        timer.cancel()
        logger.debug("flushed buffered events at shutdown", metadata: ["count": "\(records.count)"])
    }

    /// Writes one event now (spam filter and aggregation apply). Returns false when filtered out or failed.
    @discardableResult
    public func publish(_ record: Record) async -> Bool {
        guard admit(record.object, at: record.time) else {
            logger.debug("event dropped by the spam filter", metadata: ["reason": "\(record.reason)"])
            return false
        }
        let useEventsAPI = await eventsAPIServed()
        if let sink { Task { await sink.receive(record) } }
        let key = AggregateKey(object: record.object, type: record.type, reason: record.reason, message: record.message)
        let existing: Aggregate? = state.withLock { state in
            guard var aggregate = state.aggregates[key], aggregate.useEventsAPI == useEventsAPI else { return nil }
            aggregate.count += 1
            state.aggregates[key] = aggregate
            return aggregate
        }
        do {
            if let existing {
                do {
                    try await patchRepeat(existing, at: record.time)
                    return true
                } catch let error as KubeAPIError where error.reason == .notFound {
                    // The Event expired on the server; start a new one.
                }
            }
            let aggregate = try await create(record, useEventsAPI: useEventsAPI)
            state.withLock { state in
                if state.aggregates.count >= 4096 { state.aggregates.removeAll() }
                state.aggregates[key] = aggregate
            }
            return true
        } catch {
            logger.warning("failed to write event", metadata: ["reason": "\(record.reason)", "error": "\(error)"])
            return false
        }
    }

    /// Convenience for tests and synchronous callers.
    @discardableResult
    public func publish(_ object: ObjectReference, type: EventType, reason: String, message: String, at time: Date = Date()) async -> Bool {
        await publish(Record(object: object, type: type, reason: reason, message: message, action: reason, time: time))
    }

    // MARK: internals

    private func admit(_ object: ObjectReference, at now: Date) -> Bool {
        // client-go's spam filter: a bucket per object, one token back every `spamRefill`.
        let rate = 1 / max(options.spamRefill / .seconds(1), 0.001)
        let seconds = now.timeIntervalSince1970
        return state.withLock { state in
            var bucket = state.buckets[object] ?? TokenBucketState(ratePerSecond: rate, burst: options.spamBurst)
            let allowed = bucket.take(at: seconds)
            if state.buckets.count >= 4096, state.buckets[object] == nil { state.buckets.removeAll() }
            state.buckets[object] = bucket
            return allowed
        }
    }

    private func eventsAPIServed() async -> Bool {
        if let known = state.withLock({ $0.useEventsAPI }) { return known }
        var served = false
        do {
            let resources = try await api.resources(of: GroupVersion(group: "events.k8s.io", version: "v1"))
            served = resources.contains { $0.name == "events" }
        } catch {
            served = false
        }
        state.withLock { $0.useEventsAPI = served }
        logger.debug("event API selected", metadata: ["api": "\(served ? "events.k8s.io/v1" : "v1")"])
        return served
    }

    /// The API server's limits on an events.k8s.io Event, in UTF-8 bytes (Go's `len`): the note,
    /// and the reason, action and reportingInstance. Longer values are rejected (422), so the event
    /// would be lost; they are cut on a character boundary instead.
    static let noteBytes = 1024
    static let shortFieldBytes = 128

    private func create(_ record: Record, useEventsAPI: Bool) async throws -> Aggregate {
        let namespace = record.object.namespace.isEmpty ? "default" : record.object.namespace
        let nanos = UInt64(max(0, record.time.timeIntervalSince1970) * 1_000_000_000)
        let unique = nanos &+ sequence.add(1, ordering: .relaxed).oldValue
        let name = "\(record.object.name).\(String(unique, radix: 16))"
        var body: JSONValue
        if useEventsAPI {
            body = [
                "apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "eventTime": .string(Timestamp.rfc3339(record.time, fractionDigits: 6)),
                "reportingController": .string(options.reportingController),
                "reportingInstance": .string(options.reportingInstance.prefix(utf8Bytes: Self.shortFieldBytes)),
                "action": .string(record.action.prefix(utf8Bytes: Self.shortFieldBytes)),
                "reason": .string(record.reason.prefix(utf8Bytes: Self.shortFieldBytes)),
                "regarding": record.object.json, "note": .string(record.message.prefix(utf8Bytes: Self.noteBytes, marker: "…")),
                "type": .string(record.type.rawValue),
            ]
        } else {
            let time = Timestamp.rfc3339(record.time)
            body = [
                "apiVersion": "v1", "kind": "Event",
                "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "involvedObject": record.object.json, "reason": .string(record.reason),
                "message": .string(record.message), "type": .string(record.type.rawValue),
                "firstTimestamp": .string(time), "lastTimestamp": .string(time), "count": 1,
                "source": ["component": .string(options.reportingController)],
                "reportingComponent": .string(options.reportingController),
                "reportingInstance": .string(options.reportingInstance),
            ]
        }
        let resource: GroupVersionResource = useEventsAPI ? .events : .coreEvents
        _ = try await api.create(resource, namespace: namespace, object: body, options: WriteOptions())
        return Aggregate(name: name, namespace: namespace, count: 1, useEventsAPI: useEventsAPI)
    }

    private func patchRepeat(_ aggregate: Aggregate, at time: Date) async throws {
        if aggregate.useEventsAPI {
            let patch: JSONValue = ["series": [
                "count": .int(Int64(aggregate.count)), "lastObservedTime": .string(Timestamp.rfc3339(time, fractionDigits: 6)),
            ]]
            _ = try await api.patch(.events, namespace: aggregate.namespace, name: aggregate.name, patch: .merge(patch),
                                    subresource: nil, options: WriteOptions())
        } else {
            let patch: JSONValue = ["count": .int(Int64(aggregate.count)), "lastTimestamp": .string(Timestamp.rfc3339(time))]
            _ = try await api.patch(.coreEvents, namespace: aggregate.namespace, name: aggregate.name, patch: .merge(patch),
                                    subresource: nil, options: WriteOptions())
        }
    }
}
