import KubeCore
import KubeFake
import Testing
@testable import ControllerRuntime

/// A Lease is written by peers (or anyone with RBAC): its numbers are outside data.
@Suite struct LeaseNumberTests {
    @Test(arguments: [Int64.max, Int64.min, -1, 0])
    func takeoverWithExtremeTransitionsAndDurationDoesNotTrap(value: Int64) async throws {
        let api = FakeKubeAPI()
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "test-lease", "namespace": "default"],
            "spec": [
                "holderIdentity": "", "leaseDurationSeconds": .int(value), "leaseTransitions": .int(value),
                "acquireTime": "2024-01-01T00:00:00.000000Z", "renewTime": "2024-01-01T00:00:00.000000Z",
            ],
        ]
        _ = try await api.create(.leases, namespace: "default", object: lease, options: WriteOptions())
        let elector = LeaderElector(api: api, configuration: LeaderElectionTests.config("me"))
        #expect(await elector.tryAcquireOrRenew())
        let written = try await api.get(.leases, namespace: "default", name: "test-lease")
        #expect(written[path: "spec", "holderIdentity"].string == "me")
        #expect(written[path: "spec", "leaseTransitions"].int == (value == .max ? .max : value + 1))
    }

    @Test func aPeerLeaseWithAHugeDurationIsRespectedNotATrap() async throws {
        let api = FakeKubeAPI()
        let lease: JSONValue = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "test-lease", "namespace": "default"],
            "spec": ["holderIdentity": "peer", "leaseDurationSeconds": .int(.max), "leaseTransitions": .int(.max)],
        ]
        _ = try await api.create(.leases, namespace: "default", object: lease, options: WriteOptions())
        let elector = LeaderElector(api: api, configuration: LeaderElectionTests.config("me"))
        #expect(await !elector.tryAcquireOrRenew())
    }
}
