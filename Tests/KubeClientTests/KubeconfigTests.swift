import Foundation
import Testing
@testable import KubeClient

@Suite struct KubeconfigTests {
    static func b64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test func currentContextWithInlineDataAndToken() throws {
        let yaml = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
        - name: c1
          cluster:
            server: https://api.example:6443
            certificate-authority-data: \(Self.b64("CA-PEM"))
            tls-server-name: kube.internal
        users:
        - name: u1
          user:
            token: abc
            client-certificate-data: \(Self.b64("CERT"))
            client-key-data: \(Self.b64("KEY"))
        contexts:
        - name: dev
          context: {cluster: c1, user: u1, namespace: team-a}
        """
        let config = try Kubeconfig.parse(yaml, path: "/x/config").configuration()
        #expect(config.server == "https://api.example:6443")
        #expect(config.tls.caData == Array("CA-PEM".utf8))
        #expect(config.tls.serverName == "kube.internal")
        #expect(config.tls.clientCertificate == Array("CERT".utf8))
        #expect(config.tls.clientKey == Array("KEY".utf8))
        #expect(config.authentication == .bearerToken("abc"))
        #expect(config.namespace == "team-a")
    }

    @Test func namedContextFilesRelativeToKubeconfigDirectory() throws {
        let dir = try makeTempDirectory("kc")
        try FileManager.default.createDirectory(atPath: "\(dir)/certs", withIntermediateDirectories: true)
        try write("CAFILE", to: "\(dir)/certs/ca.crt")
        try write("CERTFILE", to: "\(dir)/certs/client.crt")
        try write("KEYFILE", to: "\(dir)/certs/client.key")
        try write("tok-from-file\n", to: "\(dir)/token")
        try write("""
        current-context: a
        clusters:
        - name: c
          cluster: {server: "https://10.0.0.1", certificate-authority: certs/ca.crt}
        - name: insecure
          cluster: {server: "https://10.0.0.2", insecure-skip-tls-verify: true}
        users:
        - name: files
          user: {client-certificate: certs/client.crt, client-key: certs/client.key, tokenFile: token}
        - name: basic
          user: {username: admin, password: secret}
        contexts:
        - name: a
          context: {cluster: c, user: files}
        - name: b
          context: {cluster: insecure, user: basic}
        """, to: "\(dir)/config")
        let a = try ClientConfiguration.load(kubeconfigPath: "\(dir)/config", context: nil, environment: [:])
        #expect(a.tls.caData == Array("CAFILE".utf8))
        #expect(a.tls.clientCertificate == Array("CERTFILE".utf8))
        #expect(a.tls.clientKey == Array("KEYFILE".utf8))
        #expect(a.authentication == .tokenFile(path: "\(dir)/token"))
        #expect(a.namespace == nil)
        let b = try ClientConfiguration.load(kubeconfigPath: "\(dir)/config", context: "b", environment: [:])
        #expect(b.tls.insecureSkipVerify)
        #expect(b.authentication == .basic(username: "admin", password: "secret"))
    }

    @Test func execPluginSection() throws {
        let yaml = """
        current-context: x
        clusters: [{name: c, cluster: {server: "https://h"}}]
        contexts: [{name: x, context: {cluster: c, user: e}}]
        users:
        - name: e
          user:
            exec:
              apiVersion: client.authentication.k8s.io/v1beta1
              command: ./bin/get-token
              args: [--cluster, prod]
              env: [{name: REGION, value: eu}]
              installHint: install get-token
        """
        let config = try Kubeconfig.parse(yaml, path: "/home/me/.kube/config").configuration()
        guard case .exec(let exec) = config.authentication else {
            Issue.record("expected exec auth, got \(config.authentication)")
            return
        }
        #expect(exec.command == "./bin/get-token")
        #expect(exec.args == ["--cluster", "prod"])
        #expect(exec.env == ["REGION": "eu"])
        #expect(exec.baseDirectory == "/home/me/.kube")
        #expect(exec.apiVersion == "client.authentication.k8s.io/v1beta1")
    }

    @Test func kubeconfigEnvironmentMergesFirstWins() throws {
        let dir = try makeTempDirectory("kc-merge")
        try write("""
        clusters: [{name: shared, cluster: {server: "https://first"}}]
        users: [{name: u, user: {token: first-token}}]
        contexts: [{name: one, context: {cluster: shared, user: u, namespace: ns1}}]
        """, to: "\(dir)/a")
        try write("""
        current-context: two
        clusters:
        - {name: shared, cluster: {server: "https://second"}}
        - {name: only2, cluster: {server: "https://only2"}}
        users: [{name: u, user: {token: second-token}}]
        contexts:
        - {name: one, context: {cluster: only2}}
        - {name: two, context: {cluster: shared, user: u}}
        """, to: "\(dir)/b")
        try write("current-context: three\n", to: "\(dir)/c")
        let env = ["KUBECONFIG": "\(dir)/a:\(dir)/missing:\(dir)/b:\(dir)/c", "KUBERNETES_SERVICE_HOST": "10.0.0.1",
                   "KUBERNETES_SERVICE_PORT": "443"]
        let current = try ClientConfiguration.load(kubeconfigPath: nil, context: nil, environment: env)
        // current-context from b (first to set it), cluster "shared" and user "u" from a.
        #expect(current.server == "https://first")
        #expect(current.authentication == .bearerToken("first-token"))
        let one = try ClientConfiguration.load(kubeconfigPath: nil, context: "one", environment: env)
        #expect(one.server == "https://first")
        #expect(one.namespace == "ns1")
    }

    @Test func explicitPathBeatsEnvironment() throws {
        let dir = try makeTempDirectory("kc-explicit")
        try write("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://explicit"}}]
        contexts: [{name: x, context: {cluster: c}}]
        """, to: "\(dir)/explicit")
        let config = try ClientConfiguration.load(kubeconfigPath: "\(dir)/explicit", context: nil,
                                                  environment: ["KUBECONFIG": "/nonexistent"])
        #expect(config.server == "https://explicit")
        #expect(config.authentication == .none)
    }

    @Test func homeConfigIsTheLastResort() throws {
        let home = try makeTempDirectory("kc-home")
        try FileManager.default.createDirectory(atPath: "\(home)/.kube", withIntermediateDirectories: true)
        try write("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://home"}}]
        contexts: [{name: x, context: {cluster: c}}]
        """, to: "\(home)/.kube/config")
        let config = try ClientConfiguration.load(kubeconfigPath: nil, context: nil, environment: ["HOME": home])
        #expect(config.server == "https://home")
    }

    static let malformed: [(String, String)] = [
        ("current-context: foo\nclusters: []\ncontexts: []\n", "kubeconfig /x/config: context \"foo\" not found"),
        ("clusters: []\n", "kubeconfig /x/config: no current-context is set"),
        ("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://h"}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        users: [{name: u, user: {client-certificate-data: \(b64("C")), client-key-data: "not base64!!"}}]
        """, "kubeconfig /x/config: users[0].user.client-key-data: invalid base64"),
        ("""
        current-context: x
        clusters: [{name: c, cluster: {certificate-authority-data: \(b64("C"))}}]
        contexts: [{name: x, context: {cluster: c}}]
        """, "kubeconfig /x/config: clusters[0].cluster.server: missing"),
        ("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://h"}}]
        contexts: [{name: x, context: {cluster: nope}}]
        """, "kubeconfig /x/config: contexts[0].context.cluster: cluster \"nope\" not found"),
        ("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://h"}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]
        """, "kubeconfig /x/config: users[0].user.exec.apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported"),
        ("users:\n- name: u\n  user:\n    exec: {apiVersion: client.authentication.k8s.io/v1}\n",
         "kubeconfig /x/config: users[0].user.exec.command: missing"),
        ("clusters: {a: b}\n", "kubeconfig /x/config: clusters: expected"),
        ("clusters: [\n", "kubeconfig /x/config:"),
        ("""
        current-context: x
        clusters: [{name: c, cluster: {server: "https://h", certificate-authority: missing-ca.crt}}]
        contexts: [{name: x, context: {cluster: c}}]
        """, "kubeconfig /x/config: clusters[0].cluster.certificate-authority: cannot read /x/missing-ca.crt"),
    ]

    @Test(arguments: 0..<malformed.count)
    func malformedKubeconfigNamesFileAndField(_ index: Int) {
        let (yaml, expected) = Self.malformed[index]
        do {
            let config = try Kubeconfig.parse(yaml, path: "/x/config").configuration()
            Issue.record("expected an error, got \(config)")
        } catch {
            #expect("\(error)".hasPrefix(expected), "got: \(error)")
        }
    }

    @Test func missingExplicitFileIsAClearError() {
        #expect(throws: ConfigurationError("kubeconfig /no/such/file: cannot read file")) {
            try ClientConfiguration.load(kubeconfigPath: "/no/such/file", context: nil, environment: [:])
        }
    }
}
