/// Version and platform of this build, reported in `spec.operator` and `flux_operator_info`.
public enum BuildInfo {
    public static let version = "0.1.0"
    public static let apiVersion = "fluxcd.controlplane.io/v1"

    /// `os/arch` of the running process, Go style (`linux/amd64`, `linux/arm64`).
    public static var platform: String {
        #if os(Linux)
        let os = "linux"
        #elseif os(macOS)
        let os = "darwin"
        #else
        let os = "unknown"
        #endif
        #if arch(x86_64)
        let arch = "amd64"
        #elseif arch(arm64)
        let arch = "arm64"
        #else
        let arch = "unknown"
        #endif
        return "\(os)/\(arch)"
    }
}
