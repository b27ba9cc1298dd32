#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Renders the kubeconfig a client needs to reach the simulator.
enum Kubeconfig {
    static func render(server: String, caPEM: String?, token: String, clientCertificatePEM: String?, clientKeyPEM: String?) -> String {
        var cluster = "    server: \(server)\n"
        if let caPEM { cluster += "    certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())\n" }
        var user = "    token: \(token)\n"
        if let cert = clientCertificatePEM, let key = clientKeyPEM {
            user += "    client-certificate-data: \(Data(cert.utf8).base64EncodedString())\n"
            user += "    client-key-data: \(Data(key.utf8).base64EncodedString())\n"
        }
        return """
            apiVersion: v1
            kind: Config
            clusters:
            - name: kubesim
              cluster:
            \(cluster)contexts:
            - name: kubesim
              context:
                cluster: kubesim
                user: kubesim-admin
                namespace: default
            current-context: kubesim
            preferences: {}
            users:
            - name: kubesim-admin
              user:
            \(user)
            """
    }
}
