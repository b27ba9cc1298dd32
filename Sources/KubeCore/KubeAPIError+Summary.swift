extension KubeAPIError {
    /// True for failures that retrying will not fix until someone changes the credentials, the RBAC
    /// rules or the kubeconfig: 401, 403 and TLS certificate problems.
    public var needsUserAction: Bool {
        switch reason {
        case .unauthorized, .forbidden: return true
        case .transport: return transportCause == .certificateVerification || transportCause == .tlsHandshake
        default: return false
        }
    }

    /// One line naming why a request to `server` failed, for a person: the HTTP status and what it
    /// means for 401/403 (with the verb and resource refused), or the connection step that failed.
    public func summary(server: String, verb: String, resource: String) -> String {
        switch reason {
        case .unauthorized where code == 0:
            return "cannot get credentials for \(server): \(message)"
        case .unauthorized:
            return "401 Unauthorized: \(server) rejected the credentials (token, client certificate or exec plugin): \(message)"
        case .forbidden:
            return "403 Forbidden: the credentials may not \(verb) \(resource) on \(server): \(message)"
        case .transport:
            switch transportCause {
            case .certificateVerification:
                return "TLS certificate verification failed for \(server) (does the kubeconfig have the cluster's certificate-authority-data?): \(message)"
            case .tlsHandshake:
                return "TLS handshake with \(server) failed: \(message)"
            case .connectionRefused:
                return "cannot connect to \(server) (connection refused or unreachable): \(message)"
            case .hostNotFound:
                return "cannot resolve the host of \(server) (DNS): \(message)"
            case .other, nil:
                return "cannot reach \(server): \(message)"
            }
        case .timeout:
            return "no answer from \(server) in time: \(message)"
        default:
            return "\(verb) \(resource) on \(server) failed: \(description)"
        }
    }
}
