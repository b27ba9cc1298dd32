"""The Swift side of the FluxReport API, generated from its CRD.

config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml is the one source of the FluxReport type.
From it come Sources/FluxReport/API/FluxReportCRD.swift (the CRD embedded for the demo),
FluxReportSchema.swift (its schema as JSON, for MCP's output schema) and one
Swift struct per object of the schema (its fields in schema order, optional when not required, the
descriptions as doc comments, a memberwise init). Behaviour stays hand-written beside them:
ReportEncoding.swift, ReportDecoding.swift and the `+` extensions in Sources/FluxReport/API.
sync_generated.py writes these files and test_sync.py fails when one is out of date.
"""
from __future__ import annotations

import json
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CRD = ROOT / "config" / "crd" / "bases" / "fluxcd.controlplane.io_fluxreports.yaml"
API_DIR = ROOT / "Sources" / "FluxReport" / "API"

HEADER = ("// GENERATED from config/crd/bases/fluxcd.controlplane.io_fluxreports.yaml by hack/tests/sync_generated.py.\n"
          "// Do not edit: change the CRD and re-run the script.\n")

# Swift type of each object in the schema, by its path below openAPIV3Schema ("[]" for array items).
TYPES = {
    "spec": "FluxReportSpec",
    "spec.distribution": "FluxDistributionStatus",
    "spec.cluster": "ClusterInfo",
    "spec.operator": "OperatorInfo",
    "spec.components[]": "FluxComponentStatus",
    "spec.reconcilers[]": "FluxReconcilerStatus",
    "spec.reconcilers[].stats": "FluxReconcilerStats",
    "spec.sync": "FluxSyncStatus",
    "status": "FluxReportStatus",
}
# Objects with a Swift type of their own elsewhere (KubeCore's metav1.Condition).
EXTERNAL = {"status.conditions[]": "Condition"}
# Fields the report always writes though the schema lets other writers leave them out.
ALWAYS_PRESENT = {"spec.reconcilers[].stats"}
# Init defaults other than nil for optionals and [] for arrays.
DEFAULTS = {"spec.operator.apiVersion": "FluxReportAPI.apiVersion"}
SCALARS = {"string": "String", "integer": "Int", "boolean": "Bool"}
SWIFT_KEYWORDS = {"operator", "default", "import", "protocol", "extension", "struct", "class", "enum", "func"}


def schema() -> dict:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = crd["spec"]["versions"]
    return version["schema"]["openAPIV3Schema"]


def swift_type(node: dict, path: str) -> str:
    kind = node["type"]
    if kind == "array":
        return f"[{swift_type(node['items'], path + '[]')}]"
    if kind == "object":
        name = TYPES.get(path) or EXTERNAL.get(path)
        if name is None:
            raise SystemExit(f"{CRD.name}: no Swift type named for the object at {path}; add it to TYPES in {__file__}")
        return name
    if kind not in SCALARS:
        raise SystemExit(f"{CRD.name}: no Swift type for {kind} at {path}")
    return SCALARS[kind]


def doc(text: str, indent: str) -> str:
    return f"{indent}/// {text}\n"


def render_struct(name: str, node: dict, path: str) -> str:
    required = set(node.get("required", []))
    fields = []
    for field, sub in node["properties"].items():
        field_path = f"{path}.{field}"
        type_ = swift_type(sub, field_path)
        default = DEFAULTS.get(field_path)
        if type_.startswith("["):
            default = default or "[]"
        elif field not in required and field_path not in ALWAYS_PRESENT:
            type_ += "?"
            default = default or "nil"
        fields.append((field, type_, default, sub.get("description")))

    out = [HEADER, "\nimport KubeCore\n" if any(t.strip("[]?") in EXTERNAL.values() for _, t, _, _ in fields) else "", "\n"]
    out.append(doc(node["description"], "") if "description" in node else "")
    out.append(f"public struct {name}: Sendable, Equatable {{\n")
    for field, type_, _, description in fields:
        if description:
            out.append(doc(description, "    "))
        out.append(f"    public var {escape(field)}: {type_}\n")
    params = [f"{field}: {type_}" + (f" = {default}" if default else "") for field, type_, default, _ in fields]
    signature = f"    public init({', '.join(params)}) {{"
    if len(signature) > 120:
        signature = "    public init(\n" + "".join(f"        {p},\n" for p in params[:-1]) + f"        {params[-1]}\n    ) {{"
    out.append(f"\n{signature}\n")
    for field, _, _, _ in fields:
        out.append(f"        self.{field} = {escape(field)}\n")
    out.append("    }\n}\n")
    return "".join(out)


def escape(name: str) -> str:
    return f"`{name}`" if name in SWIFT_KEYWORDS else name


def objects(node: dict, path: str):
    """(path, node) of every object with properties, depth first."""
    if node.get("type") == "array":
        yield from objects(node["items"], path + "[]")
        return
    if node.get("type") == "object" and "properties" in node:
        if path:
            yield path, node
        for field, sub in node["properties"].items():
            yield from objects(sub, f"{path}.{field}" if path else field)


def render_crd() -> str:
    text = CRD.read_text()
    if '"""#' in text:
        raise SystemExit(f"{CRD.name} contains the Swift raw string terminator")
    return (HEADER + "\n/// The FluxReport CustomResourceDefinition, embedded so the demo (and any tool built on this module)\n"
            "/// installs the real CRD wherever the binary runs.\n"
            "extension FluxReportAPI {\n"
            '    public static let customResourceDefinitionYAML: String = #"""\n' + text + '"""#\n}\n')


def render_schema() -> str:
    """The openAPIV3Schema as JSON (sorted keys, one line): what MCP's get_flux_report declares its
    output to be, read with KubeCore's JSON parser instead of a YAML one at run time."""
    text = json.dumps(schema(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if '"#' in text:
        raise SystemExit(f"{CRD.name}'s schema contains the Swift raw string terminator")
    return (HEADER + "\n/// The FluxReport's OpenAPI v3 schema (the CRD's `openAPIV3Schema`) as JSON.\n"
            "extension FluxReportAPI {\n"
            '    public static let openAPIV3SchemaJSON: String = #"' + text + '"#\n}\n')


def expected_files() -> dict[pathlib.Path, str]:
    files = {API_DIR / "FluxReportCRD.swift": render_crd(), API_DIR / "FluxReportSchema.swift": render_schema()}
    root = schema()
    for path, node in objects(root, ""):
        if path in EXTERNAL:
            continue
        name = swift_type(node, path)
        files[API_DIR / f"{name}.swift"] = render_struct(name, node, path)
    missing = set(TYPES.values()) - {p.stem for p in files}
    if missing:
        raise SystemExit(f"TYPES names objects the schema lacks: {sorted(missing)}")
    return files
