import Foundation
import OursTOML
import ProbeSupport

// The daemon's TOML parser (the repository's Sources/ZaelAggregator/Config/TOML*.swift, linked
// here by symbolic links) on each file named: `RESULT <file> ACCEPT` or `RESULT <file> REFUSE
// <first error>` (and the error count), then READY once all are parsed.
for path in CommandLine.arguments.dropFirst() {
    let (_, errors) = TOMLParser.parse(Probe.readText(path))
    if let first = errors.first {
        let message = "\(first)".replacingOccurrences(of: "\n", with: "\\n")
        Probe.emit("RESULT \(path) REFUSE [\(errors.count) error(s)] \(message)")
    } else {
        Probe.emit("RESULT \(path) ACCEPT")
    }
}
Probe.emit("READY")
Probe.idleUntilTerminated()
