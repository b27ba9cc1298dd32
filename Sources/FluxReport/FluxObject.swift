import KubeCore

/// The projection of a Flux object down to what the report and the metrics read.
///
/// Informer caches keep one of these per object instead of the whole JSON, so it stores only the
/// strings the report and docs/monitoring.md, Metrics reference labels need (absent values are empty strings, which cost no heap).
/// Build it from the FULL object: `resources` counts `status.inventory.entries`, which caches drop.
public struct FluxObject: Sendable, Equatable {
    // Stored properties in this order on purpose: the words, then `signals` (25 bytes), the 1-byte
    // fields and a 4-byte one in its tail, `uidStorage` (17) and the last 4-byte field in its tail:
    // 120 bytes with no padding, and the cache keeps one per object. The strings objects share are
    // references the cache's interner shares (`TypeMeta` for kind and apiVersion, `SharedString`);
    // the object's own ones are computed from `text`, one heap block for all of them (`ObjectText`).
    /// `kind` and `apiVersion` (`TypeMeta`: one reference the cache shares among a kind's objects).
    public var typeMeta: TypeMeta
    /// `namespace`, `reason` and `sourceName` as `SharedString`s (the cache's interner shares them).
    public var sharedNamespace: SharedString
    public var sharedReason: SharedString
    public var sharedSourceName: SharedString
    /// name, message, revision, url, ref, path and registry (shared, not copied, by `KindAggregate`'s entries).
    private(set) var text: ObjectText
    /// Values of the kept object labels, aligned with the `keepLabels` passed to `init` ("" when absent).
    public var labelValues: [String]
    /// `status.artifact.size` in bytes (0 when absent, negative or not a number).
    public var artifactSize: Int64
    /// The object's own `gotk_resource_info` labels; nil unless projected with `gotkResourceInfo` (and for kinds it does not cover).
    public var gotkInfo: GotkInfoLabels?
    /// The signals' evidence (docs/monitoring.md, Signals); times are seconds since the Unix epoch, 0 when absent.
    public var signals: SignalInputs
    /// The Ready condition's status as written by the controller.
    public var ready: ReadyStatus
    public var suspended: Bool
    /// Alert, Provider and HelmRepository of type `oci` have no meaningful Ready condition: metrics report `True`.
    public var alwaysReady: Bool
    private var readySinceSeconds: Seconds32
    /// `metadata.uid`, a UUID kept in 16 bytes instead of a 36-byte heap string (`ObjectUID`).
    private var uidStorage: ObjectUID
    private var resourceCount: UInt32

    public var namespace: String {
        get { sharedNamespace.value }
        set { sharedNamespace = SharedString.of(newValue) }
    }
    /// The Ready condition's reason.
    public var reason: String {
        get { sharedReason.value }
        set { sharedReason = SharedString.of(newValue) }
    }
    /// The name of the object's source (`spec.sourceRef.name`, `spec.chart.spec.sourceRef.name`, …).
    public var sourceName: String {
        get { sharedSourceName.value }
        set { sharedSourceName = SharedString.of(newValue) }
    }

    public var kind: String {
        get { typeMeta.kind }
        set { typeMeta = TypeMeta(kind: newValue, apiVersion: typeMeta.apiVersion) }
    }
    public var apiVersion: String {
        get { typeMeta.apiVersion }
        set { typeMeta = TypeMeta(kind: typeMeta.kind, apiVersion: newValue) }
    }

    /// The Ready condition's lastTransitionTime in seconds since the Unix epoch; 0 when absent or
    /// malformed. A number, not the text: 4 bytes inline instead of a heap string per object.
    public var readySince: Int64 {
        get { readySinceSeconds.value }
        set { readySinceSeconds = Seconds32(newValue) }
    }
    /// ResourceSet: number of `status.inventory.entries` (at most 2^32 - 1).
    public var resources: Int {
        get { Int(resourceCount) }
        set { resourceCount = UInt32(clamping: newValue) }
    }

    /// `metadata.uid` in its compact form: hashing and comparing it allocates nothing.
    public var objectUID: ObjectUID { uidStorage }

    /// `metadata.uid` (made from its compact form at each read: a new string for a UUID).
    public var uid: String {
        get { uidStorage.string }
        set { uidStorage = ObjectUID(newValue) }
    }

    public var name: String {
        get { text[.name] }
        set { text = text.replacing(.name, with: newValue) }
    }
    /// The Ready condition's message, kept only when Ready is False (why it fails); else "".
    public var message: String {
        get { text[.message] }
        set { text = text.replacing(.message, with: newValue) }
    }
    public var revision: String {
        get { text[.revision] }
        set { text = text.replacing(.revision, with: newValue) }
    }
    public var url: String {
        get { text[.url] }
        set { text = text.replacing(.url, with: newValue) }
    }
    public var ref: String {
        get { text[.ref] }
        set { text = text.replacing(.ref, with: newValue) }
    }
    public var path: String {
        get { text[.path] }
        set { text = text.replacing(.path, with: newValue) }
    }
    /// FluxInstance `spec.distribution.registry`.
    public var registry: String {
        get { text[.registry] }
        set { text = text.replacing(.registry, with: newValue) }
    }

    /// Runs `body` on the name's UTF-8 bytes in place (no `String` made).
    public func withNameUTF8<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try text.withUTF8(.name, body)
    }

    /// `status.artifact.size` is clamped to 16 TiB per object, so the per-kind sums (up to half a
    /// million objects) cannot overflow `Int64`. Real artifacts are far smaller.
    public static let maxArtifactSize: Int64 = 1 << 44

    public init(
        kind: String, apiVersion: String = "", namespace: String = "", name: String, uid: String = "",
        labelValues: [String] = [], ready: ReadyStatus = .unknown, reason: String = "", message: String = "",
        readySince: Int64 = 0, suspended: Bool = false, revision: String = "", url: String = "", ref: String = "", sourceName: String = "",
        path: String = "", artifactSize: Int64 = 0, registry: String = "", resources: Int = 0, alwaysReady: Bool = false,
        signals: SignalInputs = SignalInputs(), gotkInfo: GotkInfoLabels? = nil
    ) {
        self.typeMeta = TypeMeta(kind: kind, apiVersion: apiVersion)
        self.sharedNamespace = SharedString.of(namespace)
        self.text = ObjectText([name, message, Self.bounded(revision), url, ref, path, registry])
        self.uidStorage = ObjectUID(uid)
        self.labelValues = labelValues
        self.ready = ready
        self.sharedReason = SharedString.of(reason)
        self.readySinceSeconds = Seconds32(readySince)
        self.suspended = suspended
        self.sharedSourceName = SharedString.of(sourceName)
        self.artifactSize = artifactSize
        self.resourceCount = UInt32(clamping: resources)
        self.alwaysReady = alwaysReady
        self.signals = signals
        self.gotkInfo = gotkInfo
    }

    /// Projects an unstructured object of the given kind.
    /// - Parameters:
    ///   - kind: the object's kind; pass the discovered kind's string so all objects share one copy.
    ///   - apiVersion: likewise; nil reads it from the object.
    ///   - keepLabels: object label keys to keep for `--metrics-object-labels`, in the caller's order.
    ///   - gotkResourceInfo: also keep the labels of `gotk_resource_info` (`--metrics-gotk-resource-info`).
    public init(json: JSONValue, kind: String, apiVersion: String? = nil, keepLabels: [String] = [], gotkResourceInfo: Bool = false) {
        self.init(reading: json, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo)
    }

    /// The same projection read lazily from a parsed document (LIST pages: no `JSONValue` tree per object).
    public init(json: JSONNode, kind: String, apiVersion: String? = nil, keepLabels: [String] = [], gotkResourceInfo: Bool = false) {
        self.init(reading: json, kind: kind, apiVersion: apiVersion, keepLabels: keepLabels, gotkResourceInfo: gotkResourceInfo)
    }

    /// The one projection, specialized for each `JSONReadable` by the two entry points above.
    init<JSON: JSONReadable>(reading json: JSON, kind: String, apiVersion: String?, keepLabels: [String], gotkResourceInfo: Bool) {
        let metadata = json["metadata"]
        let spec = json["spec"]
        let status = json["status"]
        let readyCondition = json.condition(FluxReportAPI.readyCondition)
        let objectAPIVersion = apiVersion ?? json.apiVersion ?? ""
        let entry = FluxKindTable.entry(kind)
        // Any kind of the Flux Operator's group reads like its known kinds. The group is what
        // precedes the first "/": compared in place (this runs per object).
        let isOperatorKind = objectAPIVersion.utf8.starts(with: Self.operatorGroupPrefix.utf8) || entry.origin == .fluxOperator

        typeMeta = TypeMeta(kind: kind, apiVersion: Self.bounded(objectAPIVersion))
        sharedNamespace = SharedString.of(Self.bounded(metadata["namespace"].string ?? ""))
        let name = Self.bounded(metadata["name"].string ?? "")
        uidStorage = ObjectUID(Self.bounded(metadata["uid"].string ?? ""))
        if keepLabels.isEmpty {
            labelValues = []
        } else {
            let labels = metadata["labels"]
            labelValues = keepLabels.map { Self.bounded(labels[$0].string ?? "") }
        }
        ready = ReadyStatus(conditionStatus: readyCondition?.status)
        let reason = Self.bounded(readyCondition?.reason ?? "")
        sharedReason = SharedString.of(reason)
        let message = ready == .false ? Self.bounded(readyCondition?.message ?? "", to: Self.maxMessageBytes) : ""
        readySinceSeconds = Seconds32(readyCondition.flatMap { Timestamp.parseRFC3339($0.lastTransitionTime) } ?? 0)
        if isOperatorKind {
            suspended = ReportAnnotations.isReconcileDisabled(metadata["annotations"].stringMap)
        } else {
            suspended = spec["suspend"].bool == true
        }

        let revisionPaths = isOperatorKind ? FluxKindInfo.Origin.fluxOperator.revision : FluxKindInfo.Origin.toolkit.revision
        let revision = Self.bounded(revisionPaths.firstString(in: json) ?? "")
        let sourceName = Self.bounded(entry.sourceName.firstString(in: json) ?? "")
        sharedSourceName = SharedString.of(sourceName)
        text = ObjectText([
            name, message, revision,
            Self.bounded(entry.url.firstString(in: json) ?? ""),
            Self.bounded(entry.ref.firstString(in: json) ?? ""),
            Self.bounded(entry.path.firstString(in: json) ?? ""),
            Self.bounded(entry.registry.firstString(in: json) ?? ""),
        ])
        artifactSize = min(max(0, status[path: "artifact", "size"].int ?? 0), Self.maxArtifactSize)
        resourceCount = UInt32(clamping: entry.inventory.flatMap { $0.resolve(in: json)?.elementCount } ?? 0)
        alwaysReady = entry.readiness.alwaysReady(json)
        signals = SignalInputs(json: json, entry: entry, kind: kind, ready: ready, reason: reason, readyCondition: readyCondition,
                               sourceName: sourceName, revision: revision)
        gotkInfo = gotkResourceInfo ? GotkResourceInfo.objectLabels(json, entry: entry).map(GotkInfoLabels.init) : nil
    }

    /// Longest kept value of a name, label or reference field, in UTF-8 bytes. Real values are far
    /// shorter (names ≤ 253, label values ≤ 63); the cap only stops a hostile object (a megabyte
    /// label value, URL or revision) from being cached and exported in full.
    public static let maxFieldBytes = 1024
    /// Longest kept Ready message: enough for a multi-line build error, bounded for the cache.
    public static let maxMessageBytes = 4096
    /// Appended to a value cut at a cap, so readers can tell it is not the whole value.
    public static let truncationMarker = "…[truncated]"

    /// `apiVersion`s of the Flux Operator's own kinds start with it.
    static let operatorGroupPrefix = FluxReportAPI.group + "/"

    /// `value` unchanged when it fits in `limit` UTF-8 bytes; else its longest prefix on a
    /// character boundary that fits together with `truncationMarker`.
    public static func bounded(_ value: String, to limit: Int = maxFieldBytes) -> String {
        value.prefix(utf8Bytes: limit, marker: truncationMarker)
    }

    /// Upper estimate of the heap bytes this projection holds beyond its inline size: string
    /// storage (strings of more than 15 UTF-8 bytes live on the heap), `text`'s block and the label value array.
    public var estimatedHeapBytes: Int {
        func heap(_ s: String) -> Int { s.utf8.count > 15 ? s.utf8.count + 32 : 0 }
        let strings = [namespace, reason, sourceName] + signals.boxedStrings
        let labels = labelValues.isEmpty ? 0 : 32 + labelValues.count * 16 + labelValues.reduce(0) { $0 + heap($1) }
        return strings.reduce(0) { $0 + heap($1) } + text.heapBytes + uidStorage.heapBytes + labels + signals.boxBytes + (gotkInfo?.heapBytes ?? 0)
    }

    /// What the object depends on: its `spec.dependsOn` entries (its own kind unless an entry names
    /// one), then its source reference; at most `SignalInputs.maxDependencies`. Whatever its state.
    public var dependencies: [ObjectKey] {
        var keys = DependencyEdges.keys(signals.edges, from: kind, in: namespace)
        if let source = DependencyEdges.sourceKind(number: signals.sourceKind), !sourceName.isEmpty {
            keys.append(ObjectKey(kind: source, namespace: namespace, name: sourceName))
        }
        return keys
    }

    /// Ready as the metrics report it (`True` for kinds without a meaningful Ready condition).
    public var metricReady: ReadyStatus { alwaysReady ? .true : ready }

    /// Counted as failing by the report: not suspended, Ready False for a reason other than DependencyNotReady.
    public var isFailing: Bool { !suspended && ready == .false && reason != "DependencyNotReady" }
}
