/// Well-known names of the Flux installation.
public enum FluxKinds {
    public static let partOfLabel = "app.kubernetes.io/part-of"
    public static let versionLabel = "app.kubernetes.io/version"
    public static let managedByLabel = "app.kubernetes.io/managed-by"
    public static let kustomizeNameLabel = "kustomize.toolkit.fluxcd.io/name"
    /// The CRD whose presence and labels define the distribution.
    public static let distributionCRD = "gitrepositories.source.toolkit.fluxcd.io"
    public static let entitlementSecret = "flux-operator-entitlement"
    /// The Flux Operator's own kinds, reported when their CRDs exist.
    public static let operatorKinds = Set(FluxKindTable.entries.filter { $0.origin == .fluxOperator }.map(\.kind))
    /// Label selector for the CRDs and controller Deployments.
    public static let partOfSelector = "app.kubernetes.io/part-of=flux"
}
