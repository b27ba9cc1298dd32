import FluxReport
import FuzzSupport
import KubeCore

let kinds = [
    "GitRepository", "OCIRepository", "Bucket", "HelmRepository", "HelmChart", "Kustomization", "HelmRelease",
    "Alert", "Provider", "Receiver", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation",
    "FluxInstance", "ResourceSet", "ResourceSetInputProvider",
]

/// Differential: `JSONDocument` (the lazy parser of LIST pages) against `JSONValue.parse` on the
/// same bytes: the same acceptance and error, the same materialized value, the same member reads
/// and the same Flux projection for every kind.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONDocument(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let tree: JSONValue
    do {
        tree = try JSONValue.parse(input)
    } catch {
        do {
            _ = try JSONDocument(bytes: input)
            invariant(false, "the document accepts what JSONValue rejects (\(error))")
        } catch let documentError {
            invariant(documentError == error, "errors differ: \(documentError) vs \(error)")
        }
        return 0
    }
    let node: JSONNode
    do {
        node = try JSONDocument(bytes: input).root
    } catch {
        invariant(false, "the document rejects what JSONValue accepts: \(error)")
        return 0
    }
    invariant(node.value == tree, "materialized values differ")
    if let members = tree.object {
        for (key, value) in members {
            invariant(node[key].value == value, "member \(key.debugDescription) differs")
            invariant(node[key].string == value.string && node[key].int == value.int && node[key].double == value.double
                      && node[key].bool == value.bool && node[key].stringMap == value.stringMap
                      && node[key].elementCount == value.elementCount, "reads of member \(key.debugDescription) differ")
        }
    }
    invariant(node.objectKey == tree.objectKey, "objectKey differs")
    for kind in kinds {
        let fromNode = FluxObject(json: node, kind: kind, keepLabels: ["app", "team"], gotkResourceInfo: true)
        let fromTree = FluxObject(json: tree, kind: kind, keepLabels: ["app", "team"], gotkResourceInfo: true)
        invariant(fromNode == fromTree, "\(kind) projections differ: \(fromNode) vs \(fromTree)")
    }
    return 0
}

/// The executable's entry point (SwiftPM links `main` to `<module>_main`).
@_cdecl("fuzz_json_document_main")
public func entryPoint(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    runFuzzer(argc, argv, fuzzJSONDocument)
}
