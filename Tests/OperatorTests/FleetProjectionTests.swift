import FluxReport
import KubeCore
import KubeSim
import Testing

/// Every object of the simulator's generated fleet (all Flux and Flux Operator kinds, failing,
/// suspended and dependent ones) projects the same from a `JSONDocument` node as from its tree.
@Suite struct FleetProjectionTests {
    @Test func fleetObjectsProjectTheSameFromDocuments() throws {
        var options = FleetOptions(seed: 7, objects: 3_000)
        options.fluxOperator = true
        var generator = FleetGenerator(options)
        var compared = 0
        try generator.generate { object in
            guard let kind = object.kind, object.apiVersion?.contains("fluxcd") == true else { return }
            let bytes = object.serialized()
            let tree = try JSONValue.parse(bytes)
            let node = try JSONDocument(bytes: bytes).root
            let fromNode = FluxObject(json: node, kind: kind, keepLabels: ["app.kubernetes.io/name", "team"], gotkResourceInfo: true)
            let fromTree = FluxObject(json: tree, kind: kind, keepLabels: ["app.kubernetes.io/name", "team"], gotkResourceInfo: true)
            #expect(fromNode == fromTree, "\(kind) \(tree.objectKey)")
            #expect(node.objectKey == tree.objectKey)
            compared += 1
        }
        #expect(compared >= 3_000)
    }
}
