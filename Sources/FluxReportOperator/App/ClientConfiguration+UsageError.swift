import KubeClient

extension ClientConfiguration {
    /// The client configuration of a kubeconfig path and context (nil: the default search); an
    /// unreadable or inconsistent kubeconfig is a `UsageError` (exit 2).
    static func loadOrUsageError(kubeconfigPath: String?, context: String?) throws -> ClientConfiguration {
        do {
            return try load(kubeconfigPath: kubeconfigPath, context: context)
        } catch {
            throw UsageError("\(error)")
        }
    }
}
