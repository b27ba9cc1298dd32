import KubeCore
import Foundation
import Yams

/// One or more kubeconfig files merged the way kubectl merges `KUBECONFIG`: the first file to define a
/// cluster, user or context name wins, and `current-context` comes from the first file that sets it.
public struct Kubeconfig: Sendable {
    /// An entry with where it came from, so errors can name the file and field.
    struct Located<Value: Sendable>: Sendable {
        var value: Value
        var file: String
        var index: Int
        var directory: String { (file as NSString).deletingLastPathComponent }
    }

    var clusters: [String: Located<KubeconfigFile.Cluster>] = [:]
    var users: [String: Located<KubeconfigFile.User>] = [:]
    var contexts: [String: Located<KubeconfigFile.Context>] = [:]
    /// The context the files select, if any.
    public private(set) var currentContext: String?
    var currentContextFile: String?
    /// The files read, in order.
    public private(set) var files: [String] = []

    /// Reads and merges the files. A missing file among several is skipped (as kubectl does); a single
    /// missing file, or none readable, is an error.
    public static func load(paths: [String]) throws -> Kubeconfig {
        var merged = Kubeconfig()
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                if paths.count == 1 { throw ConfigurationError("kubeconfig \(path): cannot read file") }
                continue
            }
            let file = try decodeFile(String(decoding: data, as: UTF8.self), path: path)
            merged.merge(file, path: path)
        }
        if merged.files.isEmpty {
            throw ConfigurationError("kubeconfig \(paths.joined(separator: ":")): no readable file")
        }
        return merged
    }

    /// Parses one file's text; `path` is used for messages and for resolving relative paths.
    public static func parse(_ text: String, path: String) throws -> Kubeconfig {
        var config = Kubeconfig()
        config.merge(try decodeFile(text, path: path), path: path)
        return config
    }

    static func decodeFile(_ text: String, path: String) throws -> KubeconfigFile {
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            return KubeconfigFile(clusters: nil, users: nil, contexts: nil, currentContext: nil)
        }
        do {
            return try YAMLDecoder().decode(KubeconfigFile.self, from: text)
        } catch let error as DecodingError {
            throw ConfigurationError("kubeconfig \(path): \(describe(error))")
        } catch {
            throw ConfigurationError("kubeconfig \(path): invalid YAML: \(error)")
        }
    }

    mutating func merge(_ file: KubeconfigFile, path: String) {
        files.append(path)
        for (index, entry) in (file.clusters ?? []).enumerated() where clusters[entry.name] == nil {
            clusters[entry.name] = Located(value: entry.cluster, file: path, index: index)
        }
        for (index, entry) in (file.users ?? []).enumerated() where users[entry.name] == nil {
            users[entry.name] = Located(value: entry.user, file: path, index: index)
        }
        for (index, entry) in (file.contexts ?? []).enumerated() where contexts[entry.name] == nil {
            contexts[entry.name] = Located(value: entry.context, file: path, index: index)
        }
        if currentContext == nil, let current = file.currentContext, !current.isEmpty {
            currentContext = current
            currentContextFile = path
        }
    }

    /// A context as a list shows it: no credentials, only what it points at.
    public struct ContextEntry: Sendable, Equatable {
        public var name: String
        public var cluster: String
        /// The cluster's server URL, when the cluster is defined.
        public var server: String?
        public var namespace: String?
    }

    /// Every context, sorted by name.
    public var contextEntries: [ContextEntry] {
        contexts.map { name, located in
            ContextEntry(name: name, cluster: located.value.cluster, server: clusters[located.value.cluster]?.value.server,
                         namespace: located.value.namespace.flatMap { $0.isEmpty ? nil : $0 })
        }.sorted { $0.name < $1.name }
    }

    /// The configuration of the named context, or of the current context.
    public func configuration(context name: String? = nil) throws -> ClientConfiguration {
        let where_ = files.joined(separator: ":")
        guard let contextName = (name?.isEmpty == false ? name : nil) ?? currentContext else {
            throw ConfigurationError("kubeconfig \(where_): no current-context is set and no context was given")
        }
        guard let context = contexts[contextName] else {
            throw ConfigurationError("kubeconfig \(name == nil ? (currentContextFile ?? where_) : where_): context \"\(contextName)\" not found")
        }
        let contextField = "kubeconfig \(context.file): contexts[\(context.index)].context"
        guard let cluster = clusters[context.value.cluster] else {
            throw ConfigurationError("\(contextField).cluster: cluster \"\(context.value.cluster)\" not found")
        }
        var configuration = try Self.resolve(cluster: cluster)
        if let userName = context.value.user, !userName.isEmpty {
            guard let user = users[userName] else {
                throw ConfigurationError("\(contextField).user: user \"\(userName)\" not found")
            }
            try Self.resolve(user: user, into: &configuration)
        }
        if let namespace = context.value.namespace, !namespace.isEmpty { configuration.namespace = namespace }
        configuration.source = "kubeconfig \(context.file) context \(contextName)"
        return configuration
    }

    private static func resolve(cluster located: Located<KubeconfigFile.Cluster>) throws -> ClientConfiguration {
        let field = "kubeconfig \(located.file): clusters[\(located.index)].cluster"
        let cluster = located.value
        guard let server = cluster.server, !server.isEmpty else {
            throw ConfigurationError("\(field).server: missing")
        }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw ConfigurationError("\(field).server: \"\(server)\" is not an http(s) URL")
        }
        var tls = TLSConfiguration()
        tls.insecureSkipVerify = cluster.insecureSkipTLSVerify ?? false
        tls.serverName = cluster.tlsServerName.flatMap { $0.isEmpty ? nil : $0 }
        if let data = cluster.certificateAuthorityData, !data.isEmpty {
            tls.caData = try decodeBase64(data, field: "\(field).certificate-authority-data")
        } else if let path = cluster.certificateAuthority, !path.isEmpty {
            tls.caData = try readFile(path, directory: located.directory, field: "\(field).certificate-authority")
        }
        return ClientConfiguration(server: server, tls: tls)
    }

    private static func resolve(user located: Located<KubeconfigFile.User>, into configuration: inout ClientConfiguration) throws {
        let field = "kubeconfig \(located.file): users[\(located.index)].user"
        let user = located.value
        if let data = user.clientCertificateData, !data.isEmpty {
            configuration.tls.clientCertificate = try decodeBase64(data, field: "\(field).client-certificate-data")
        } else if let path = user.clientCertificate, !path.isEmpty {
            configuration.tls.clientCertificate = try readFile(path, directory: located.directory, field: "\(field).client-certificate")
        }
        if let data = user.clientKeyData, !data.isEmpty {
            configuration.tls.clientKey = try decodeBase64(data, field: "\(field).client-key-data")
        } else if let path = user.clientKey, !path.isEmpty {
            configuration.tls.clientKey = try readFile(path, directory: located.directory, field: "\(field).client-key")
        }
        if (configuration.tls.clientCertificate == nil) != (configuration.tls.clientKey == nil) {
            throw ConfigurationError("\(field): client certificate and client key must be given together")
        }
        if let exec = user.exec {
            let apiVersion = exec.apiVersion ?? ""
            guard ExecCredentialPlugin.supportedVersions.contains(apiVersion) else {
                throw ConfigurationError("\(field).exec.apiVersion: \"\(apiVersion)\" is not supported (use client.authentication.k8s.io/v1 or v1beta1)")
            }
            guard !exec.command.isEmpty else { throw ConfigurationError("\(field).exec.command: missing") }
            var env: [String: String] = [:]
            for variable in exec.env ?? [] { env[variable.name] = variable.value }
            configuration.authentication = .exec(ExecConfig(
                apiVersion: apiVersion, command: exec.command, args: exec.args ?? [], env: env,
                installHint: exec.installHint, baseDirectory: located.directory))
        } else if let token = user.token, !token.isEmpty {
            configuration.authentication = .bearerToken(token)
        } else if let path = user.tokenFile, !path.isEmpty {
            let resolved = absolute(path, directory: located.directory)
            guard FileManager.default.isReadableFile(atPath: resolved) else {
                throw ConfigurationError("\(field).tokenFile: cannot read \(resolved)")
            }
            configuration.authentication = .tokenFile(path: resolved)
        } else if let username = user.username, !username.isEmpty {
            configuration.authentication = .basic(username: username, password: user.password ?? "")
        }
    }

    static func absolute(_ path: String, directory: String) -> String {
        if path.hasPrefix("/") || directory.isEmpty { return path }
        return (directory as NSString).appendingPathComponent(path)
    }

    private static func readFile(_ path: String, directory: String, field: String) throws -> [UInt8] {
        let resolved = absolute(path, directory: directory)
        guard let data = FileManager.default.contents(atPath: resolved) else {
            throw ConfigurationError("\(field): cannot read \(resolved)")
        }
        return Array(data)
    }

    private static func decodeBase64(_ text: String, field: String) throws -> [UInt8] {
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else {
            throw ConfigurationError("\(field): invalid base64")
        }
        return Array(data)
    }

    /// `users[0].user.exec: missing field "command"` from a Codable error.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let index = key.intValue {
                    out += "[\(index)]"
                } else {
                    out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                }
            }
            return out.isEmpty ? "(top level)" : out
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])): missing"
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)): expected \(type), found null"
        case .dataCorrupted(let context):
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }
}
