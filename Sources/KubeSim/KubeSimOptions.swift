/// How a simulator is started.
public struct KubeSimOptions: Sendable {
    /// Bind address; Kubernetes clients reach it as `127.0.0.1`.
    public var host = "127.0.0.1"
    /// 0 picks a free port.
    public var port = 0
    /// Plain HTTP instead of HTTPS (the token is still required).
    public var plainHTTP = false
    /// Bearer token clients must send; a random one when nil.
    public var token: String?
    /// HTTPS only: require a client certificate signed by the simulator CA instead of a token.
    public var clientCertificateAuth = false
    /// Where to write a ready-to-use kubeconfig, if anywhere.
    public var kubeconfigPath: String?
    /// How many changes are kept for watch resumes; older resourceVersions get 410 Gone.
    public var historyLimit = 50_000
    /// Period of BOOKMARK events on watches that allow them.
    public var bookmarkInterval: Duration = .seconds(5)
    /// Upper bound (and default) for a watch's `timeoutSeconds`.
    public var maxWatchTimeoutSeconds = 1800
    /// Enforce the FluxReport singleton name rule (`flux`).
    public var fluxReportNameRule = true

    public init() {}
}
