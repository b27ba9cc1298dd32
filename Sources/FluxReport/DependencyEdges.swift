/// An object's dependency edges as the cache keeps them: its `spec.dependsOn` entries and its
/// source reference, written relative to the object so the common case costs nothing.
///
/// A source reference in the object's namespace whose name is the projection's `sourceName` and
/// whose kind is one of `sourceKinds` is one byte (`SignalInputs.sourceKind`). Everything else is
/// one line each in a single string (`SignalInputs`' rare box): `name` (the object's kind and
/// namespace, as `dependsOn` usually is), `namespace/name` (its kind), or `Kind/namespace/name`.
/// One short `dependsOn` stays inside the string's 15 inline bytes: no allocation at all.
public enum DependencyEdges {
    /// Source kinds by number (`SignalInputs.sourceKind` is the index + 1; 0 is none).
    public static let sourceKinds = ["GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "ExternalArtifact",
                                     "ImageRepository"]
    /// The source kind of a reference without one: ImagePolicy's `imageRepositoryRef`, and the
    /// default of ImageUpdateAutomation's `sourceRef.kind`.
    static let impliedSourceKind = ["ImagePolicy": "ImageRepository", "ImageUpdateAutomation": "GitRepository"]

    /// The number of a source kind, or 0 when it has none.
    static func sourceKindNumber(_ kind: String) -> UInt8 {
        sourceKinds.firstIndex(of: kind).map { UInt8(truncatingIfNeeded: $0 + 1) } ?? 0
    }

    static func sourceKind(number: UInt8) -> String? {
        let i = Int(number) - 1
        return sourceKinds.indices.contains(i) ? sourceKinds[i] : nil
    }

    /// The shortest line for a reference from an object of `kind` in `namespace`; nil when a part
    /// holds `/` or a newline (no Kubernetes name does: such a reference can name no object).
    static func line(_ key: ObjectKey, from kind: String, in namespace: String) -> String? {
        let parts = [key.kind, key.namespace, key.name]
        guard !key.kind.isEmpty, !key.name.isEmpty,
              parts.allSatisfy({ !$0.utf8.contains(UInt8(ascii: "/")) && !$0.utf8.contains(UInt8(ascii: "\n")) }) else { return nil }
        if key.kind != kind { return "\(key.kind)/\(key.namespace)/\(key.name)" }
        return key.namespace == namespace ? key.name : "\(key.namespace)/\(key.name)"
    }

    /// The keys of `lines`, read back for an object of `kind` in `namespace`.
    static func keys(_ lines: String, from kind: String, in namespace: String) -> [ObjectKey] {
        guard !lines.isEmpty else { return [] }
        return lines.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: false)
            switch parts.count {
            case 1: return ObjectKey(kind: kind, namespace: namespace, name: String(parts[0]))
            case 2: return ObjectKey(kind: kind, namespace: String(parts[0]), name: String(parts[1]))
            default: return ObjectKey(kind: String(parts[0]), namespace: String(parts[1]), name: String(parts[2]))
            }
        }
    }
}
