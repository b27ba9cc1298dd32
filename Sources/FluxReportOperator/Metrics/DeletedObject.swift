import Foundation

/// A Flux object's identity and when its deletion was seen: a `Deleted` series of `gotk_reconcile_condition`.
struct DeletedObject: Sendable {
    var kind: String
    var name: String
    var namespace: String
    var at: Date
}
