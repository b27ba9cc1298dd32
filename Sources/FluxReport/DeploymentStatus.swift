import KubeCore

/// What kstatus reads from a Deployment: the projection an informer keeps per controller.
public struct DeploymentInfo: Sendable, Equatable {
    public var name: String
    /// First container's image ("" when there is none).
    public var image: String
    public var labels: [String: String]
    public var beingDeleted: Bool
    public var generation: Int64?
    public var observedGeneration: Int64?
    /// `spec.replicas`, defaulting to 1 like the Deployment controller.
    public var specReplicas: Int64
    public var hasProgressDeadline: Bool
    public var replicas: Int64
    public var updatedReplicas: Int64
    public var readyReplicas: Int64
    public var availableReplicas: Int64
    public var conditions: [Condition]

    public init(
        name: String, image: String = "", labels: [String: String] = [:], beingDeleted: Bool = false,
        generation: Int64? = nil, observedGeneration: Int64? = nil, specReplicas: Int64 = 1,
        hasProgressDeadline: Bool = false, replicas: Int64 = 0, updatedReplicas: Int64 = 0, readyReplicas: Int64 = 0,
        availableReplicas: Int64 = 0, conditions: [Condition] = []
    ) {
        self.name = name
        self.image = image
        self.labels = labels
        self.beingDeleted = beingDeleted
        self.generation = generation
        self.observedGeneration = observedGeneration
        self.specReplicas = specReplicas
        self.hasProgressDeadline = hasProgressDeadline
        self.replicas = replicas
        self.updatedReplicas = updatedReplicas
        self.readyReplicas = readyReplicas
        self.availableReplicas = availableReplicas
        self.conditions = conditions
    }

    /// Reads an `apps/v1` Deployment; missing or mistyped fields take kstatus's defaults.
    public init(json: JSONValue) {
        let spec = json["spec"]
        let status = json["status"]
        let containers = spec[path: "template", "spec", "containers"]
        let conditions = (status["conditions"].array ?? []).compactMap { c -> Condition? in
            guard c["type"].string != nil else { return nil }
            return Condition(json: c)
        }
        self.init(
            name: json.name, image: containers[0]["image"].string ?? "", labels: json.labels,
            beingDeleted: json.isBeingDeleted, generation: json.generation,
            observedGeneration: status["observedGeneration"].int, specReplicas: spec["replicas"].int ?? 1,
            hasProgressDeadline: spec["progressDeadlineSeconds"].int != nil, replicas: status["replicas"].int ?? 0,
            updatedReplicas: status["updatedReplicas"].int ?? 0, readyReplicas: status["readyReplicas"].int ?? 0,
            availableReplicas: status["availableReplicas"].int ?? 0, conditions: conditions)
    }
}

/// kstatus result kinds (cli-utils `status.Status`).
public enum KStatus: String, Sendable, Equatable {
    case inProgress = "InProgress"
    case failed = "Failed"
    case current = "Current"
    case terminating = "Terminating"
    case notFound = "NotFound"
    case unknown = "Unknown"
}

/// kstatus for Deployments, following cli-utils' rules in order; the first match wins.
public struct DeploymentStatus: Sendable, Equatable {
    public var status: KStatus
    public var message: String

    public init(status: KStatus, message: String) {
        self.status = status
        self.message = message
    }

    public init(_ d: DeploymentInfo) {
        if d.beingDeleted {
            self.init(status: .terminating, message: "Resource scheduled for deletion")
            return
        }
        if let observed = d.observedGeneration, let generation = d.generation, observed != generation {
            self.init(
                status: .inProgress,
                message: "Deployment generation is \(generation), but latest observed generation is \(observed)")
            return
        }
        var progressing = false
        var available = false
        for c in d.conditions {
            switch c.type {
            case "Progressing":
                if c.reason == "ProgressDeadlineExceeded" {
                    self.init(status: .failed, message: "Progress deadline exceeded")
                    return
                }
                if c.status == "True" && c.reason == "NewReplicaSetAvailable" { progressing = true }
            case "Available":
                if c.status == "True" { available = true }
            default: break
            }
        }
        let spec = d.specReplicas
        if spec > d.replicas {
            self.init(status: .inProgress, message: "Replicas: \(d.replicas)/\(spec)")
        } else if spec > d.updatedReplicas {
            self.init(status: .inProgress, message: "Updated: \(d.updatedReplicas)/\(spec)")
        } else if d.replicas > spec {
            self.init(status: .inProgress, message: "Pending termination: \(d.replicas.subtractingReportingOverflow(spec).overflow ? Int64.max : d.replicas - spec)")
        } else if d.updatedReplicas > d.availableReplicas {
            self.init(status: .inProgress, message: "Available: \(d.availableReplicas)/\(d.updatedReplicas)")
        } else if spec > d.readyReplicas {
            self.init(status: .inProgress, message: "Ready: \(d.readyReplicas)/\(spec)")
        } else if d.hasProgressDeadline && !progressing {
            self.init(status: .inProgress, message: "ReplicaSet not Available")
        } else if !available {
            self.init(status: .inProgress, message: "Deployment not Available")
        } else {
            self.init(status: .current, message: "Deployment is available. Replicas: \(d.replicas)")
        }
    }

    /// `"<kstatus> <message>"`, the component's `status` field.
    public var summary: String { "\(status.rawValue) \(message)" }
}
