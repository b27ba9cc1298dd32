import KubeCore
import Foundation

extension ClientConfiguration {
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The pod's service account: `KUBERNETES_SERVICE_HOST`/`_PORT`, its token file (re-read when it
    /// rotates), CA bundle and namespace. Paths are injectable for tests.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        tokenPath: String = "\(serviceAccountDirectory)/token",
        caPath: String = "\(serviceAccountDirectory)/ca.crt",
        namespacePath: String = "\(serviceAccountDirectory)/namespace"
    ) throws -> ClientConfiguration {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw ConfigurationError("in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
        }
        guard Int(port) != nil else {
            throw ConfigurationError("in-cluster: KUBERNETES_SERVICE_PORT \"\(port)\" is not a port number")
        }
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw ConfigurationError("in-cluster: token file \(tokenPath) is not readable")
        }
        var tls = TLSConfiguration()
        if let ca = FileManager.default.contents(atPath: caPath) {
            tls.caData = Array(ca)
        } else {
            throw ConfigurationError("in-cluster: CA file \(caPath) is not readable")
        }
        let hostPart = host.contains(":") ? "[\(host)]" : host
        var namespace: String?
        if let data = FileManager.default.contents(atPath: namespacePath) {
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            namespace = text.isEmpty ? nil : text
        }
        return ClientConfiguration(server: "https://\(hostPart):\(port)", tls: tls,
                                   authentication: .tokenFile(path: tokenPath), namespace: namespace, source: "in-cluster")
    }
}
