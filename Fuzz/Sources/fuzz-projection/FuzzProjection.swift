import FluxReport
import FuzzSupport
import KubeCore

let kinds = [
    "GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease",
    "Alert", "Provider", "Receiver", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation",
    "FluxInstance", "ResourceSet", "ResourceSetInputProvider", "Unknown",
]

/// The projection of an arbitrary JSON object into the cached Flux object (`FluxObject(json:…)`, what
/// the informer stores keep): no crash for any kind; artifact size within [0, max]; one label value
/// per kept key; per-kind stats add/remove back to zero. Also the Deployment projection and its
/// kstatus (replica counts are outside data too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzProjection(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    guard let selector = input.first else { return 0 }
    guard let json = try? JSONValue.parse(input.dropFirst()) else { return 0 }
    let kind = kinds[Int(selector) % kinds.count]
    let keep = ["app", "team", "app.kubernetes.io/name"]
    let object = FluxObject(json: json, kind: kind, apiVersion: nil, keepLabels: keep)
    invariant(object.artifactSize >= 0 && object.artifactSize <= FluxObject.maxArtifactSize, "artifactSize \(object.artifactSize)")
    invariant(object.labelValues.count == keep.count, "labelValues \(object.labelValues)")
    invariant(object.resources >= 0, "resources \(object.resources)")
    _ = MetricLabels.info(object, objectLabels: ObjectLabelSelection(keys: keep))
    var stats = KindStats()
    for _ in 0..<3 { stats.add(object) }
    _ = stats.reconcilerStats
    for _ in 0..<3 { stats.remove(object) }
    invariant(stats == KindStats(), "stats do not return to zero: \(stats)")
    // The same bytes as a controller Deployment (kstatus over outside replica counts).
    _ = DeploymentStatus(DeploymentInfo(json: json))
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_projection_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzProjection)
}
