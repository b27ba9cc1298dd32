// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.
// Do not edit: change the CRD and re-run the script.

/// The FluxReport CustomResourceDefinition, embedded so the demo (and any tool built on this module)
/// installs the real CRD wherever the binary runs.
extension FluxReportAPI {
    public static let customResourceDefinitionYAML: String = #"""
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: fluxreports.fluxcd.controlplane.io
  labels:
    app.kubernetes.io/name: flux-report-operator
    app.kubernetes.io/part-of: flux-report-operator
spec:
  group: fluxcd.controlplane.io
  names:
    categories:
    - fluxcd
    kind: FluxReport
    listKind: FluxReportList
    plural: fluxreports
    singular: fluxreport
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    subresources:
      status: {}
    additionalPrinterColumns:
    - jsonPath: .metadata.creationTimestamp
      name: Age
      type: date
    - jsonPath: .status.conditions[?(@.type=="Ready")].status
      name: Ready
      type: string
    - jsonPath: .status.conditions[?(@.type=="Ready")].message
      name: Status
      type: string
    - jsonPath: .status.conditions[?(@.type=="Ready")].lastTransitionTime
      name: LastUpdated
      type: string
    - jsonPath: .spec.distribution.entitlement
      name: Entitlement
      priority: 10
      type: string
    schema:
      openAPIV3Schema:
        description: FluxReport is the Schema for the fluxreports API. It reflects the observed state of the Flux installation.
        type: object
        properties:
          apiVersion:
            description: APIVersion defines the versioned schema of this representation of an object.
            type: string
          kind:
            description: Kind is a string value representing the REST resource this object represents.
            type: string
          metadata:
            type: object
          spec:
            description: FluxReportSpec defines the observed state of a Flux installation.
            type: object
            required:
            - distribution
            properties:
              distribution:
                description: Distribution is the version information of the Flux installation.
                type: object
                required:
                - entitlement
                - status
                properties:
                  entitlement:
                    description: Entitlement is the entitlement verification status.
                    type: string
                  status:
                    description: Status is the installation status of the Flux distribution.
                    type: string
                  version:
                    description: Version is the version of the Flux instance.
                    type: string
                  managedBy:
                    description: ManagedBy is the name of the operator or tool that manages the Flux instance.
                    type: string
              cluster:
                description: Cluster is the version information of the Kubernetes cluster.
                type: object
                required:
                - platform
                - serverVersion
                properties:
                  serverVersion:
                    description: ServerVersion is the Kubernetes version of the API server.
                    type: string
                  platform:
                    description: Platform is the os/arch of the Kubernetes control plane.
                    type: string
                  nodes:
                    description: Nodes is the number of nodes in the Kubernetes cluster.
                    type: integer
              operator:
                description: Operator is the version information of the operator that produced the report.
                type: object
                required:
                - apiVersion
                - platform
                - version
                properties:
                  apiVersion:
                    description: APIVersion is the API version of the FluxReport.
                    type: string
                  version:
                    description: Version is the version of the operator.
                    type: string
                  platform:
                    description: Platform is the os/arch of the operator process.
                    type: string
              components:
                description: ComponentsStatus is the status of the Flux controller deployments.
                type: array
                items:
                  description: FluxComponentStatus defines the observed state of a Flux component.
                  type: object
                  required:
                  - image
                  - name
                  - ready
                  - status
                  properties:
                    name:
                      description: Name is the name of the Flux component.
                      type: string
                    ready:
                      description: Ready is the readiness status of the Flux component.
                      type: boolean
                    status:
                      description: Status is a human-readable message (kstatus) of the component.
                      type: string
                    image:
                      description: Image is the container image of the Flux component.
                      type: string
              reconcilers:
                description: ReconcilersStatus is the list of Flux reconcilers and their statistics grouped by API kind.
                type: array
                items:
                  description: FluxReconcilerStatus defines the observed state of a Flux reconciler.
                  type: object
                  required:
                  - apiVersion
                  - kind
                  properties:
                    apiVersion:
                      description: APIVersion is the API version of the Flux resource.
                      type: string
                    kind:
                      description: Kind is the kind of the Flux resource.
                      type: string
                    stats:
                      description: Stats is the reconcile statistics of the Flux resource kind.
                      type: object
                      required:
                      - failing
                      - running
                      - suspended
                      properties:
                        running:
                          description: Running is the number of reconciled resources that are not suspended.
                          type: integer
                        failing:
                          description: Failing is the number of reconciled resources in a failed state.
                          type: integer
                        suspended:
                          description: Suspended is the number of suspended resources.
                          type: integer
                        totalSize:
                          description: TotalSize is the total size of the artifacts in storage.
                          type: string
              sync:
                description: SyncStatus is the status of the cluster sync Source and Kustomization.
                type: object
                required:
                - id
                - ready
                - status
                properties:
                  id:
                    description: ID is the identifier of the sync (kustomization/<name>).
                    type: string
                  path:
                    description: Path is the kustomize path of the sync.
                    type: string
                  ready:
                    description: Ready is the readiness status of the sync.
                    type: boolean
                  status:
                    description: Status is a human-readable message of the sync.
                    type: string
                  source:
                    description: Source is the URL of the sync source.
                    type: string
          status:
            description: FluxReportStatus defines the readiness of the FluxReport.
            type: object
            properties:
              conditions:
                description: Conditions contains the readiness conditions of the report.
                type: array
                items:
                  description: Condition contains details for one aspect of the current state of this API Resource.
                  type: object
                  required:
                  - lastTransitionTime
                  - message
                  - reason
                  - status
                  - type
                  properties:
                    lastTransitionTime:
                      description: lastTransitionTime is the last time the condition transitioned from one status to another.
                      type: string
                      format: date-time
                    message:
                      description: message is a human readable message indicating details about the transition.
                      type: string
                      maxLength: 32768
                    observedGeneration:
                      description: observedGeneration represents the .metadata.generation that the condition was set based upon.
                      type: integer
                      format: int64
                      minimum: 0
                    reason:
                      description: reason contains a programmatic identifier indicating the reason for the condition's last transition.
                      type: string
                      maxLength: 1024
                      minLength: 1
                      pattern: ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
                    status:
                      description: status of the condition, one of True, False, Unknown.
                      type: string
                      enum:
                      - "True"
                      - "False"
                      - Unknown
                    type:
                      description: type of condition in CamelCase or in foo.example.com/CamelCase.
                      type: string
                      maxLength: 316
                      pattern: ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$
              lastHandledReconcileAt:
                description: LastHandledReconcileAt holds the value of the most recent reconcile request value.
                type: string
        x-kubernetes-validations:
        - message: the only accepted name for a FluxReport is 'flux'
          rule: self.metadata.name == 'flux'
"""#
}
