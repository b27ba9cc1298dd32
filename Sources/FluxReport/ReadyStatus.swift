/// Status of a `Ready` condition: `True`, `False` or `Unknown` (also when absent or malformed).
public enum ReadyStatus: String, Sendable, Equatable, CaseIterable {
    case `true` = "True"
    case `false` = "False"
    case unknown = "Unknown"

    public init(conditionStatus: String?) {
        switch conditionStatus {
        case "True": self = .true
        case "False": self = .false
        default: self = .unknown
        }
    }
}
