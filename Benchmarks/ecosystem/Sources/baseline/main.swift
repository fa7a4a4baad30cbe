import Foundation
import ProbeSupport

// The floor every other probe is measured against: Foundation linked, nothing else done.
let greeting = String(format: "%@ %d", "baseline", ProcessInfo.processInfo.processIdentifier)
Probe.stat("pid_text_bytes", String(greeting.utf8.count))
Probe.emit("READY")
Probe.idleUntilTerminated()
