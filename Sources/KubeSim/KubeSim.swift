import Hummingbird
import ServiceLifecycle
import HummingbirdCore
import HummingbirdTLS
import KubeCore
import Logging
import NIOSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A simulated Kubernetes API server, served over HTTP(S) on 127.0.0.1.
///
/// ```swift
/// let sim = try await KubeSim.start(options)
/// defer { Task { await sim.stop() } }
/// try sim.load(yaml: text, namespace: "flux-system")
/// ```
public final class KubeSim: Sendable {
    /// Base URL, e.g. `https://127.0.0.1:41234`.
    public let url: String
    public let port: Int
    /// PEM of the CA that signed the server certificate (nil over plain HTTP).
    public let caPEM: String?
    public let token: String
    /// Client certificate and key signed by the CA (nil over plain HTTP).
    public let clientCertificatePEM: String?
    public let clientKeyPEM: String?
    /// Where the kubeconfig was written, if asked.
    public let kubeconfigPath: String?
    /// The kubeconfig text (also written to `kubeconfigPath`).
    public let kubeconfig: String

    let core: SimCore
    private let serverTask: LockedState<Task<Void, Never>?>
    private let serviceGroup: ServiceGroup

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    private init(url: String, port: Int, certificates: SimCertificates?, core: SimCore, kubeconfigPath: String?,
                 task: Task<Void, Never>, serviceGroup: ServiceGroup) {
        self.serviceGroup = serviceGroup
        self.url = url
        self.port = port
        caPEM = certificates?.caPEM
        token = core.token
        clientCertificatePEM = certificates?.clientCertificatePEM
        clientKeyPEM = certificates?.clientKeyPEM
        self.kubeconfigPath = kubeconfigPath
        kubeconfig = Kubeconfig.render(server: url, caPEM: certificates?.caPEM, token: core.token,
                                       clientCertificatePEM: certificates?.clientCertificatePEM, clientKeyPEM: certificates?.clientKeyPEM)
        self.core = core
        serverTask = LockedState(task)
    }

    /// Binds, starts serving and returns once the port is known. The default namespaces exist.
    public static func start(_ options: KubeSimOptions = KubeSimOptions()) async throws -> KubeSim {
        let token = options.token ?? Self.randomToken()
        let core = SimCore(options: options, token: token)
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            _ = try? core.store.write(core.store.resource(storeKey: "namespaces") ?? ResourceInfo.builtIns[0], namespace: nil, name: ns, mode: .control) { _ in
                ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)], "status": ["phase": "Active"]]
            }
        }
        let certificates = options.plainHTTP ? nil : try SimCertificates.generate()
        let server = APIServer(core: core)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in await server.respond(request) }
        let builder: HTTPServerBuilder
        if let certificates {
            var tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificates.serverCertificatePEM.utf8), format: .pem))],
                privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(certificates.serverKeyPEM.utf8), format: .pem)))
            if options.clientCertificateAuth {
                tls.certificateVerification = .noHostnameVerification
                tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(certificates.caPEM.utf8), format: .pem)])
            }
            builder = try .tls(.http1(), tlsConfiguration: tls)
        } else {
            builder = .http1()
        }
        var logger = Logger(label: "kubesim")
        logger.logLevel = .critical  // Hummingbird logs cancellation at shutdown as an error
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: responder, server: builder,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        // Stopped by graceful shutdown, never by cancellation: cancelling a NIO server while it accepts
        // a connection traps ("Deinited NIOAsyncWriter without calling finish()", swift-nio#2637).
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: logger))
        let task = Task {
            do { try await group.run() } catch { logger.error("kubesim server ended: \(error)") }
            portContinuation.finish()
        }
        var port = 0
        for await p in ports { port = p; break }
        guard port > 0 else {
            await group.triggerGracefulShutdown()
            await task.value
            throw StartError(description: "kubesim could not bind \(options.host):\(options.port)")
        }
        core.hostPort = "127.0.0.1:\(port)"
        let url = "\(certificates == nil ? "http" : "https")://127.0.0.1:\(port)"
        let sim = KubeSim(url: url, port: port, certificates: certificates, core: core, kubeconfigPath: options.kubeconfigPath,
                          task: task, serviceGroup: group)
        if let path = options.kubeconfigPath {
            do {
                try Data(sim.kubeconfig.utf8).write(to: URL(fileURLWithPath: path))
            } catch {
                await sim.stop()
                throw StartError(description: "cannot write kubeconfig to \(path): \(error)")
            }
        }
        return sim
    }

    /// Ends every watch and stops serving (gracefully: requests in flight finish).
    public func stop() async {
        let task = serverTask.withLock { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        guard let task else { return }
        core.store.dropAllWatches()
        await serviceGroup.triggerGracefulShutdown()
        // Clients re-open watches at once; keep ending them until the server has drained.
        let drain = Task { [core] in
            while !Task.isCancelled {
                core.store.dropAllWatches()
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        await task.value
        drain.cancel()
    }

    /// Serves until the calling task is cancelled, then stops gracefully.
    public func run() async {
        let task = serverTask.withLock { $0 }
        await withTaskCancellationHandler {
            await task?.value
        } onCancel: {
            Task { await self.stop() }
        }
    }

    static func randomToken() -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<40).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }
}
