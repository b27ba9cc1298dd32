import Foundation
import Testing
@testable import KubeClient

@Suite struct InClusterTests {
    @Test func readsEnvironmentAndServiceAccountFiles() throws {
        let dir = try makeTempDirectory("sa")
        try write("token-1\n", to: "\(dir)/token")
        try write("CA", to: "\(dir)/ca.crt")
        try write("flux-system\n", to: "\(dir)/namespace")
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let config = try ClientConfiguration.inCluster(environment: env, tokenPath: "\(dir)/token", caPath: "\(dir)/ca.crt",
                                                       namespacePath: "\(dir)/namespace")
        #expect(config.server == "https://10.96.0.1:443")
        #expect(config.tls.caData == Array("CA".utf8))
        #expect(config.namespace == "flux-system")
        #expect(config.authentication == .tokenFile(path: "\(dir)/token"))
        #expect(config.qps == 50 && config.burst == 300)
    }

    @Test func ipv6HostIsBracketed() throws {
        let dir = try makeTempDirectory("sa6")
        try write("t", to: "\(dir)/token")
        try write("CA", to: "\(dir)/ca.crt")
        let config = try ClientConfiguration.inCluster(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"],
            tokenPath: "\(dir)/token", caPath: "\(dir)/ca.crt", namespacePath: "\(dir)/none")
        #expect(config.server == "https://[fd00::1]:6443")
        #expect(config.namespace == nil)
    }

    @Test func missingPiecesAreClearErrors() throws {
        let dir = try makeTempDirectory("sa-missing")
        #expect(throws: ConfigurationError.self) {
            try ClientConfiguration.inCluster(environment: [:], tokenPath: "\(dir)/token")
        }
        let env = ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "443"]
        do {
            _ = try ClientConfiguration.inCluster(environment: env, tokenPath: "\(dir)/token", caPath: "\(dir)/ca.crt")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("token file \(dir)/token"))
        }
    }

    @Test func loadFallsBackToInClusterWithoutKubeconfig() throws {
        let env = ["KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443", "HOME": "/nonexistent"]
        // The default service-account paths do not exist here, so in-cluster is chosen and fails on them.
        do {
            _ = try ClientConfiguration.load(kubeconfigPath: nil, context: nil, environment: env)
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".hasPrefix("in-cluster:"))
        }
    }

    @Test func tokenFileIsReReadWhenItChanges() throws {
        let dir = try makeTempDirectory("sa-rotate")
        try write("old", to: "\(dir)/token")
        let source = TokenFileSource(path: "\(dir)/token")
        #expect(try source.token() == "old")
        try write("new", to: "\(dir)/token")
        // Force a different mtime even on coarse-grained file systems.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 5)], ofItemAtPath: "\(dir)/token")
        #expect(try source.token() == "new")
    }
}
