import KubeCore
import Foundation

/// Turns a configuration's `Authentication` and TLS client certificate into per-request `Credentials`.
final class Authenticator: Sendable {
    private let authentication: Authentication
    private let staticCredentials: Credentials
    private let tokenFile: TokenFileSource?
    private let exec: ExecCredentialPlugin?

    init(authentication: Authentication, tls: TLSConfiguration) {
        self.authentication = authentication
        var base = Credentials(authorization: nil, clientCertificate: tls.clientCertificate, clientKey: tls.clientKey)
        var tokenFile: TokenFileSource?
        var exec: ExecCredentialPlugin?
        switch authentication {
        case .none: break
        case .bearerToken(let token): base.authorization = "Bearer \(token)"
        case .basic(let username, let password):
            base.authorization = "Basic \(Data("\(username):\(password)".utf8).base64EncodedString())"
        case .tokenFile(let path): tokenFile = TokenFileSource(path: path)
        case .exec(let config): exec = ExecCredentialPlugin(config: config)
        }
        staticCredentials = base
        self.tokenFile = tokenFile
        self.exec = exec
    }

    func credentials() async throws -> Credentials {
        var credentials = staticCredentials
        if let tokenFile {
            credentials.authorization = "Bearer \(try tokenFile.token())"
        }
        if let exec {
            let fromPlugin = try await exec.credentials()
            if let authorization = fromPlugin.authorization { credentials.authorization = authorization }
            if fromPlugin.clientCertificate != nil {
                credentials.clientCertificate = fromPlugin.clientCertificate
                credentials.clientKey = fromPlugin.clientKey
            }
        }
        return credentials
    }

    /// After a 401: drops cached credentials. True when fetching them again may help (so retry once).
    func invalidate() async -> Bool {
        if let tokenFile {
            tokenFile.invalidate()
            return true
        }
        if let exec {
            await exec.invalidate()
            return true
        }
        return false
    }

    /// For tests: how many times the exec plugin ran.
    var execRuns: Int {
        get async { await exec?.runs ?? 0 }
    }
}

/// A bearer token file, re-read when its modification time changes or at least once a minute,
/// so rotated projected service-account tokens keep working.
final class TokenFileSource: Sendable {
    let path: String
    private let state = LockedState<(token: String, mtime: Date?, readAt: ContinuousClock.Instant)?>(nil)
    static let maxAge: Duration = .seconds(60)

    init(path: String) {
        self.path = path
    }

    func token() throws -> String {
        let mtime = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        let now = ContinuousClock.now
        if let cached = state.withLock({ $0 }), cached.mtime == mtime, now - cached.readAt < Self.maxAge {
            return cached.token
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw KubeAPIError(reason: .unauthorized, code: 0, message: "cannot read token file \(path)")
        }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            throw KubeAPIError(reason: .unauthorized, code: 0, message: "token file \(path) is empty")
        }
        state.withLock { $0 = (token, mtime, now) }
        return token
    }

    func invalidate() {
        state.withLock { $0 = nil }
    }
}
