import KubeCore

/// The state one simulator instance shares between its HTTP handlers and its Swift control API.
final class SimCore: Sendable {
    let options: KubeSimOptions
    let token: String
    let store: ObjectStore
    let faults = FaultInjector()
    let counters = RequestCounters()
    private let address = LockedState("127.0.0.1:0")

    init(options: KubeSimOptions, token: String) {
        self.options = options
        self.token = token
        store = ObjectStore(historyLimit: options.historyLimit, admission: Admission(fluxReportNameRule: options.fluxReportNameRule))
    }

    var hostPort: String {
        get { address.withLock { $0 } }
        set { address.withLock { $0 = newValue } }
    }

}

/// Admission checks run on every create and update before it is stored.
struct Admission: Sendable {
    var fluxReportNameRule = true

    func validate(_ info: ResourceInfo, _ object: JSONValue) throws(APIError) {
        // The FluxReport API admits one object per cluster, named `flux`.
        if fluxReportNameRule, info.crdName == "fluxreports.fluxcd.controlplane.io", object.name != "flux" {
            throw APIError.invalid(info, object.name, "the only accepted name for a FluxReport is 'flux'")
        }
    }
}
