#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The standard `process_*` metrics, read from /proc at scrape time (Linux only; elsewhere nothing).
public struct ProcessCollector: MetricsCollector {
    public init() {}

    public func pieces() -> [MetricsPiece] { [.text { self.render(into: &$0) }] }

    private func render(into buffer: inout [UInt8]) {
        #if os(Linux)
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return }
        // Fields after "(comm)": state is field 3, so index 0 here is field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ number: Int) -> Double { fields.count > number - 3 ? Double(fields[number - 3]) ?? 0 : 0 }
        let cpu = (field(14) + field(15)) / max(ticks, 1)
        let startTicks = field(22)
        let vsize = field(23)
        let rss = field(24) * pageSize
        var bootTime = 0.0
        if let procStat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) {
            for line in procStat.split(separator: "\n") where line.hasPrefix("btime ") {
                bootTime = Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        let openFDs = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
        var maxFDs = 0.0
        if let limits = try? String(contentsOfFile: "/proc/self/limits", encoding: .utf8) {
            for line in limits.split(separator: "\n") where line.hasPrefix("Max open files") {
                let parts = line.split(separator: " ", omittingEmptySubsequences: true)
                if parts.count > 3 { maxFDs = Double(parts[3]) ?? 0 }
            }
        }
        emit("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", "counter", cpu, &buffer)
        emit("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", rss, &buffer)
        emit("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge", vsize, &buffer)
        emit("process_open_fds", "Number of open file descriptors.", "gauge", Double(openFDs), &buffer)
        emit("process_max_fds", "Maximum number of open file descriptors.", "gauge", maxFDs, &buffer)
        emit("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", "gauge",
             bootTime + startTicks / max(ticks, 1), &buffer)
        #endif
    }

    private func emit(_ name: String, _ help: String, _ type: String, _ value: Double, _ buffer: inout [UInt8]) {
        MetricsText.header(name, help: help, type: type, into: &buffer)
        MetricsText.sample(name, labels: [], value: value, into: &buffer)
    }
}
