import KubeCore
import ArgumentParser
import KubeClient

/// `--kubeconfig` and `--context`, shared by every command that talks to a cluster.
struct KubeconfigOptions: ParsableArguments {
    @Option(help: "Path to a kubeconfig. Default: $KUBECONFIG, in-cluster config, then ~/.kube/config.")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use. Default: the current context.")
    var context: String?

    func load() throws -> ClientConfiguration { try ClientConfiguration.loadOrUsageError(kubeconfigPath: kubeconfig, context: context) }
}
