import KubeCore
import Logging
import Prometheus
import Synchronization

/// A source of text-format lines rendered at scrape time, for series that live in caches
/// (e.g. 100,000 `flux_resource_info` lines) rather than as one object per series.
public protocol MetricsCollector: Sendable {
    /// The collector's complete `# HELP`/`# TYPE` blocks and sample lines, as steps rendered one
    /// after another: the metrics server streams each step's bytes before rendering the next (a
    /// scrape of 100,000 series never holds the whole body, and a collector can release its locks
    /// between steps), and a gzip scrape splices in the segments of `MetricsPiece.compressed` pieces
    /// instead of compressing their text again.
    func pieces() -> [MetricsPiece]
}

/// One step of a streamed scrape: appends the next bytes of the exposition.
public typealias MetricsChunk = @Sendable (inout [UInt8]) -> Void

extension MetricsCollector {
    /// The collector's whole text at once.
    public func collect(into buffer: inout [UInt8]) {
        for piece in pieces() { piece.text(&buffer) }
    }
}

/// One step of a scrape: text, or text that also exists as a raw deflate segment, or steps made
/// one at a time as the scrape reaches them.
public enum MetricsPiece: Sendable {
    case text(MetricsChunk)
    /// `segment` returns the text compressed (cached or made now); `text` appends the same text.
    case compressed(segment: @Sendable () throws(Gzip.Failure) -> DeflateSegment, text: MetricsChunk)
    /// `count` steps, the one at `index` made by `piece(index)` when the scrape reaches it: a step per
    /// bucket of a 100,000-object kind, made at once, would hold thousands of closures for the
    /// whole scrape. `MetricsLeaves` walks them.
    case each(count: Int, piece: @Sendable (Int) -> MetricsPiece)

    public var text: MetricsChunk {
        switch self {
        case .text(let chunk), .compressed(_, let chunk): return chunk
        case .each(let count, let piece): return { buffer in for index in 0..<count { piece(index).text(&buffer) } }
        }
    }
}

/// The `text` and `compressed` steps of a scrape's pieces in order, each `each` expanded only when
/// it is reached (and its steps released once passed).
public struct MetricsLeaves: Sequence, IteratorProtocol {
    /// A struct, not a tuple: a closure in a tuple stored in an array is kept behind a reabstraction
    /// thunk, and taking it out and putting it back wraps it again, one more thunk per step.
    private struct Level {
        let count: Int
        let piece: @Sendable (Int) -> MetricsPiece
        var next = 0
    }

    private var stack: [Level]

    public init(_ pieces: [MetricsPiece]) {
        stack = [Level(count: pieces.count, piece: { pieces[$0] })]
    }

    public mutating func next() -> MetricsPiece? {
        while let top = stack.indices.last {
            let index = stack[top].next
            guard index < stack[top].count else {
                stack.removeLast()
                continue
            }
            stack[top].next += 1
            let piece = stack[top].piece(index)
            if case .each(let count, let make) = piece {
                stack.append(Level(count: count, piece: make))
                continue
            }
            return piece
        }
        return nil
    }
}

/// Turns a scrape's pieces into the response body, plain or gzip, a few tens of KiB at a time:
/// `add` returns bytes ready to send (or nothing yet), `finish` the rest.
public struct ScrapeEncoder {
    private let splicer: GzipSplicer?
    private var buffer: [UInt8] = []
    private var output: [UInt8] = []

    public init(gzip: Bool) throws(Gzip.Failure) {
        splicer = gzip ? try GzipSplicer() : nil
        buffer.reserveCapacity(128 * 1024)
    }

    /// Text renders into `buffer` until it holds at least 64 KiB, which is then sent (or compressed,
    /// and sent once at least 256 KiB are ready: cached segments are a few KiB each, and one write
    /// per segment would cost more than the splicing). Takes the leaves of the pieces
    /// (`MetricsLeaves`): an `each` is added as its text, without its segments.
    ///
    /// The chunks are above glibc's mmap threshold (128 KiB, system_shims.c), so each is fresh
    /// mmapped pages, gone when sent. Chunks of 48 KiB sent in buffers under it spared the page
    /// faults (a cached 100,000-object scrape within a few milliseconds either way) but raised
    /// the peak RSS with scrapes by 3–7 MiB, their buffers left between the heap's kept blocks.
    public mutating func add(_ piece: MetricsPiece) throws(Gzip.Failure) -> [UInt8]? {
        switch piece {
        case .compressed(let segment, _) where splicer != nil:
            try flushText()
            try splicer?.segment(try segment(), into: &output)
        case .text, .compressed, .each:
            piece.text(&buffer)
            if buffer.count >= 64 * 1024 { try flushText() }
        }
        guard output.count >= 256 * 1024 else { return nil }
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    public mutating func finish() throws(Gzip.Failure) -> [UInt8] {
        try flushText()
        try splicer?.finish(into: &output)
        defer { output.removeAll() }
        return output
    }

    private mutating func flushText() throws(Gzip.Failure) {
        guard !buffer.isEmpty else { return }
        if let splicer { try splicer.text(buffer, into: &output) } else { output.append(contentsOf: buffer) }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The process-wide metrics registry: swift-prometheus families plus custom collectors.
///
/// swift-prometheus traps when one name is registered twice with different labels, help,
/// buckets or type; this wrapper remembers each family's signature and, on a conflict, logs
/// and hands back a detached metric instead of crashing.
public final class MetricsRegistry: Sendable {
    public let prometheus: PrometheusCollectorRegistry
    private let detached = PrometheusCollectorRegistry()
    private let families = LockedState<[String: String]>([:])
    private let collectors = LockedState<[(id: Int, collector: any MetricsCollector)]>([])
    private let nextID = Atomic<Int>(0)
    private let logger: Logger

    public init(logger: Logger = Logger(label: "metrics")) {
        self.prometheus = PrometheusCollectorRegistry()
        self.logger = logger
    }

    /// The one registration path: claims the family's name for its shape (type, help, label names,
    /// buckets) and builds the metric in the live registry, or, when the name is already taken with
    /// another shape, logs and builds it in a detached registry that is never scraped.
    private func make<Metric>(_ type: String, _ name: String, help: String, labels: [(String, String)], shape: String = "",
                              _ build: (PrometheusCollectorRegistry, MetricNameDescriptor) -> Metric) -> Metric {
        let signature = "\(type)|\(help)|\(labels.map(\.0).joined(separator: ","))|\(shape)"
        let claimed = families.withLock { families in
            if let existing = families[name] { return existing == signature }
            families[name] = signature
            return true
        }
        guard claimed else {
            logger.error("metric family registered twice with a different shape", metadata: ["name": "\(name)"])
            return build(detached, MetricNameDescriptor(metricName: name + "_conflict", unitName: "", helpText: help))
        }
        return build(prometheus, MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }

    public func counter(_ name: String, help: String, labels: [(String, String)] = []) -> Counter {
        make("counter", name, help: help, labels: labels) { $0.makeCounter(descriptor: $1, labels: labels) }
    }

    public func gauge(_ name: String, help: String, labels: [(String, String)] = []) -> Gauge {
        make("gauge", name, help: help, labels: labels) { $0.makeGauge(descriptor: $1, labels: labels) }
    }

    public func histogram(_ name: String, help: String, labels: [(String, String)] = [], buckets: [Double]) -> ValueHistogram {
        make("histogram", name, help: help, labels: labels, shape: "\(buckets)") {
            $0.makeValueHistogram(descriptor: $1, labels: labels, buckets: buckets)
        }
    }

    public func unregister(_ gauge: Gauge) { prometheus.unregisterGauge(gauge) }
    public func unregister(_ counter: Counter) { prometheus.unregisterCounter(counter) }

    /// Adds a scrape-time collector; returns a token for `unregister(collector:)`.
    @discardableResult
    public func register(collector: any MetricsCollector) -> Int {
        let id = nextID.add(1, ordering: .relaxed).newValue
        collectors.withLock { $0.append((id, collector)) }
        return id
    }

    public func unregister(collector id: Int) {
        collectors.withLock { $0.removeAll { $0.id == id } }
    }

    /// The full text exposition: registered families, then every collector.
    public func scrape() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(64 * 1024)
        for piece in scrapePieces() { piece.text(&buffer) }
        return buffer
    }

    /// The exposition as pieces, in order: registered families, then each collector's pieces (some
    /// kept compressed by their collector).
    public func scrapePieces() -> [MetricsPiece] {
        let prometheus = self.prometheus
        var pieces: [MetricsPiece] = [.text({ prometheus.emit(into: &$0) })]
        for entry in collectors.withLock({ $0 }) {
            pieces.append(contentsOf: entry.collector.pieces())
        }
        return pieces
    }

    /// The gzip body the metrics server sends (cached segments spliced in).
    public func scrapeGzip() throws(Gzip.Failure) -> [UInt8] {
        var encoder = try ScrapeEncoder(gzip: true)
        var body: [UInt8] = []
        for piece in MetricsLeaves(scrapePieces()) {
            if let bytes = try encoder.add(piece) { body.append(contentsOf: bytes) }
        }
        body.append(contentsOf: try encoder.finish())
        return body
    }

    public func scrapeString() -> String { String(decoding: scrape(), as: UTF8.self) }
}

/// Helpers for collectors that write the text format by hand.
public enum MetricsText {
    /// Appends `# HELP` and `# TYPE` lines.
    public static func header(_ name: String, help: String, type: String, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: "# HELP \(name) ".utf8)
        appendEscapedHelp(help, into: &buffer)
        buffer.append(contentsOf: "\n# TYPE \(name) \(type)\n".utf8)
    }

    /// Appends one sample line; label values are escaped (`\\`, `"`, newline).
    public static func sample(_ name: String, labels: [(String, String)], value: Double, into buffer: inout [UInt8]) {
        buffer.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            buffer.append(UInt8(ascii: "{"))
            for (index, (key, labelValue)) in labels.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                buffer.append(contentsOf: key.utf8)
                buffer.append(contentsOf: "=\"".utf8)
                appendEscapedLabel(labelValue, into: &buffer)
                buffer.append(UInt8(ascii: "\""))
            }
            buffer.append(UInt8(ascii: "}"))
        }
        buffer.append(UInt8(ascii: " "))
        buffer.append(contentsOf: format(value).utf8)
        buffer.append(UInt8(ascii: "\n"))
    }

    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    public static func appendEscapedLabel(_ value: String, into buffer: inout [UInt8]) {
        // Fast path: most label values need no escaping and are stored contiguously.
        let copied: Bool? = value.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes where byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n") {
                return false
            }
            buffer.append(contentsOf: bytes)
            return true
        }
        if copied == true { return }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\""): buffer.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: "\\n".utf8)
            default: buffer.append(byte)
            }
        }
    }

    static func appendEscapedHelp(_ value: String, into buffer: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): buffer.append(contentsOf: "\\n".utf8)
            default: buffer.append(byte)
            }
        }
    }
}
