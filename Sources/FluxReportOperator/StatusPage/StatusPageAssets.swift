import Foundation

/// The status page's HTML, CSS and scripts: the files in `StatusPage/Assets/`, embedded into the
/// binary at build time (`.embedInCode` in Package.swift generates `PackageResources`). No file is
/// read at run time and nothing comes from a CDN: the page works air-gapped.
///
/// The scripts render every object-derived value with `textContent` / `createTextNode`, never as
/// markup (names and messages come from the cluster: a `<script>` in a Ready message is text).
/// The Content-Security-Policy (`StatusPageRoutes.headers`) forbids inline script as a second line.
enum StatusPageAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let type: String
    }

    /// Served at `/assets/<name>`. index.html loads the scripts in its own order.
    static let files: [String: Asset] = [
        "app.css": Asset(bytes: PackageResources.app_css, type: "text/css; charset=utf-8"),
        "common.js": script(PackageResources.common_js),
        "overview.js": script(PackageResources.overview_js),
        "resources.js": script(PackageResources.resources_js),
        "resource.js": script(PackageResources.resource_js),
        "events.js": script(PackageResources.events_js),
        "graph.js": script(PackageResources.graph_js),
        "app.js": script(PackageResources.app_js),
    ]

    /// index.html, its `{{base}}` placeholders filled with the base path ("" or a validated
    /// `/prefix`, see `WebBasePath`).
    static func html(basePath: String) -> String {
        String(decoding: PackageResources.index_html, as: UTF8.self).replacingOccurrences(of: "{{base}}", with: basePath)
    }

    private static func script(_ bytes: [UInt8]) -> Asset {
        Asset(bytes: bytes, type: "text/javascript; charset=utf-8")
    }
}
