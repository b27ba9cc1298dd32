import KubeCore
import Foundation

/// How the client authenticates, besides a TLS client certificate.
public enum Authentication: Sendable, Hashable {
    case none
    case bearerToken(String)
    /// A token file re-read when it changes (rotated projected service-account tokens).
    case tokenFile(path: String)
    case basic(username: String, password: String)
    /// A `client.authentication.k8s.io` exec credential plugin.
    case exec(ExecConfig)
}

/// A kubeconfig `users[].user.exec` section, with the command path already resolved.
public struct ExecConfig: Sendable, Hashable {
    public var apiVersion: String
    public var command: String
    public var args: [String]
    public var env: [String: String]
    public var installHint: String?
    /// Directory the kubeconfig was read from; relative commands containing `/` resolve against it.
    public var baseDirectory: String?
    /// A plugin still running after this long is killed and the request fails (a hung plugin would
    /// otherwise block every request that needs credentials).
    public var timeout: Duration

    public init(apiVersion: String, command: String, args: [String] = [], env: [String: String] = [:],
                installHint: String? = nil, baseDirectory: String? = nil, timeout: Duration = .seconds(30)) {
        self.timeout = timeout
        self.apiVersion = apiVersion
        self.command = command
        self.args = args
        self.env = env
        self.installHint = installHint
        self.baseDirectory = baseDirectory
    }
}

/// Everything needed to talk to one API server. A value type: build it by hand, from a kubeconfig
/// (`load(kubeconfigPath:context:environment:)`) or from the pod's service account (`inCluster(...)`).
public struct ClientConfiguration: Sendable, Hashable {
    /// `https://host:port`, without a trailing slash.
    public var server: String
    public var tls: TLSConfiguration
    public var authentication: Authentication
    /// The context's namespace (or the service account's); nil if unset.
    public var namespace: String?
    public var qps: Double
    public var burst: Int
    public var connectTimeout: Duration
    /// Timeout of every non-watch request.
    public var requestTimeout: Duration
    /// A watch receiving nothing (not even a bookmark) for this long is aborted with `.timeout`; nil disables.
    /// curl measures the speed over a window of about 5 s, so detection may lag by that much.
    public var watchIdleTimeout: Duration?
    /// Bytes of one watch response held unread before the transfer is paused (the server is then held
    /// back by flow control until the consumer catches up; no event is dropped).
    public var watchBufferLimit: Int = 1 << 20
    public var userAgent: String
    /// Where this configuration came from, for messages ("kubeconfig /x/config", "in-cluster").
    public var source: String

    public static let defaultUserAgent = "flux-report-operator/0.1.0"

    public init(server: String, tls: TLSConfiguration = TLSConfiguration(), authentication: Authentication = .none,
                namespace: String? = nil, qps: Double = 50, burst: Int = 300, connectTimeout: Duration = .seconds(10),
                requestTimeout: Duration = .seconds(30), watchIdleTimeout: Duration? = nil,
                userAgent: String = ClientConfiguration.defaultUserAgent, source: String = "explicit") {
        var server = server
        while server.hasSuffix("/") { server.removeLast() }
        self.server = server
        self.tls = tls
        self.authentication = authentication
        self.namespace = namespace
        self.qps = qps
        self.burst = burst
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.watchIdleTimeout = watchIdleTimeout
        self.userAgent = userAgent
        self.source = source
    }

    /// controller-runtime's order: the explicit path (`--kubeconfig`), else `KUBECONFIG` (`:`-separated,
    /// merged like kubectl), else in-cluster when `KUBERNETES_SERVICE_HOST`/`_PORT` are set, else `~/.kube/config`.
    public static func load(kubeconfigPath: String?, context: String?,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientConfiguration {
        guard let paths = kubeconfigPaths(kubeconfigPath, environment: environment) else {
            return try inCluster(environment: environment)
        }
        return try Kubeconfig.load(paths: paths).configuration(context: context)
    }

    /// The kubeconfig files `load` reads, in that order; nil when it uses the in-cluster configuration.
    public static func kubeconfigPaths(_ kubeconfigPath: String?,
                                       environment: [String: String] = ProcessInfo.processInfo.environment) -> [String]? {
        if let path = kubeconfigPath, !path.isEmpty { return [path] }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            let paths = list.split(separator: ":").map(String.init).filter { !$0.isEmpty }
            if !paths.isEmpty { return paths }
        }
        if let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
           let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty {
            return nil
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return ["\(home)/.kube/config"]
    }
}

/// A configuration problem, naming its source and field.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
