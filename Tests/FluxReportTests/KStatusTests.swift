import FluxReport
import KubeCore
import Testing

@Suite struct KStatusTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let deployment: DeploymentInfo
        let expected: String
        var testDescription: String { label }
    }

    static let available = Condition(type: "Available", status: "True", reason: "MinimumReplicasAvailable")
    static let progressing = Condition(type: "Progressing", status: "True", reason: "NewReplicaSetAvailable")

    static func d(
        spec: Int64 = 1, replicas: Int64 = 1, updated: Int64 = 1, ready: Int64 = 1, availableReplicas: Int64 = 1,
        generation: Int64? = 1, observed: Int64? = 1, deleting: Bool = false, deadline: Bool = true,
        conditions: [Condition] = [available, progressing]
    ) -> DeploymentInfo {
        DeploymentInfo(
            name: "source-controller", image: "fluxcd/source-controller:v1.7.0", beingDeleted: deleting,
            generation: generation, observedGeneration: observed, specReplicas: spec, hasProgressDeadline: deadline,
            replicas: replicas, updatedReplicas: updated, readyReplicas: ready, availableReplicas: availableReplicas,
            conditions: conditions)
    }

    static let cases: [Case] = [
        Case(label: "healthy", deployment: d(), expected: "Current Deployment is available. Replicas: 1"),
        Case(label: "two replicas", deployment: d(spec: 2, replicas: 2, updated: 2, ready: 2, availableReplicas: 2),
             expected: "Current Deployment is available. Replicas: 2"),
        Case(label: "deleting wins over everything", deployment: d(replicas: 0, generation: 2, deleting: true),
             expected: "Terminating Resource scheduled for deletion"),
        Case(label: "generation not observed", deployment: d(generation: 2, observed: 1),
             expected: "InProgress Deployment generation is 2, but latest observed generation is 1"),
        Case(label: "generation check needs both fields", deployment: d(generation: 2, observed: nil),
             expected: "Current Deployment is available. Replicas: 1"),
        Case(label: "progress deadline exceeded",
             deployment: d(replicas: 0, conditions: [Condition(type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded")]),
             expected: "Failed Progress deadline exceeded"),
        Case(label: "fewer replicas", deployment: d(spec: 2, replicas: 1), expected: "InProgress Replicas: 1/2"),
        Case(label: "not updated", deployment: d(updated: 0), expected: "InProgress Updated: 0/1"),
        Case(label: "extra pods", deployment: d(replicas: 2), expected: "InProgress Pending termination: 1"),
        Case(label: "not available", deployment: d(availableReplicas: 0), expected: "InProgress Available: 0/1"),
        Case(label: "not ready", deployment: d(ready: 0), expected: "InProgress Ready: 0/1"),
        Case(label: "replica set not available", deployment: d(conditions: [available]),
             expected: "InProgress ReplicaSet not Available"),
        Case(label: "no progress deadline: Progressing not needed", deployment: d(deadline: false, conditions: [available]),
             expected: "Current Deployment is available. Replicas: 1"),
        Case(label: "Available False", deployment: d(conditions: [progressing, Condition(type: "Available", status: "False")]),
             expected: "InProgress Deployment not Available"),
        Case(label: "scaled to zero", deployment: d(spec: 0, replicas: 0, updated: 0, ready: 0, availableReplicas: 0),
             expected: "Current Deployment is available. Replicas: 0"),
    ]

    @Test(arguments: cases)
    func rule(_ c: Case) {
        #expect(DeploymentStatus(c.deployment).summary == c.expected)
    }

    @Test func projectionFromFixtureDefaultsReplicasAndReadsImage() throws {
        let deployments = try Fixtures.documents(version: "v2.7.0").filter { $0.kind == "Deployment" }
        #expect(deployments.count == 6)
        for json in deployments {
            var noStatus = json
            noStatus["spec"]["replicas"] = .null
            let info = DeploymentInfo(json: noStatus)
            #expect(info.specReplicas == 1)
            #expect(info.image.hasPrefix("fluxcd/"))
            // A Deployment the controller has not seen yet: no status at all.
            #expect(DeploymentStatus(info).summary == "InProgress Replicas: 0/1")
            let healthy = DeploymentInfo(json: Fixtures.healthy(json))
            #expect(DeploymentStatus(healthy).status == .current)
        }
    }

    @Test func mistypedFieldsDoNotCrash() {
        let json: JSONValue = [
            "metadata": ["name": "x", "generation": "one"],
            "spec": ["replicas": "two", "template": ["spec": ["containers": "none"]]],
            "status": ["replicas": true, "conditions": ["Available", 3, ["type": 5]]],
        ]
        let info = DeploymentInfo(json: json)
        #expect(info.specReplicas == 1)
        #expect(info.image == "")
        #expect(info.conditions.isEmpty)
        #expect(DeploymentStatus(info).summary == "InProgress Replicas: 0/1")
    }
}
