// Benchmarks: not timed tests. Run in release, one suite at a time, e.g.
//   swift run -c release Benchmarks json
// and record the figures in docs/benchmarks.md.

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
let suites: [String: ([String]) throws -> Void] = [
    "json": { try JSONDecodingBenchmark.run(arguments: $0) },
    "transport": { try TransportBenchmark.run(arguments: $0) },
    "signing": { try SigningBenchmark.run(arguments: $0) },
    "aggregation": { try AggregationBenchmark.run(arguments: $0) },
    "engine": { try EngineBenchmark.run(arguments: $0) },
    "duties": { try DutiesBenchmark.run(arguments: $0) },
]

guard let name = arguments.first, let suite = suites[name] else {
    print("usage: Benchmarks <suite> [options]; suites: \(suites.keys.sorted().joined(separator: ", "))")
    exit(2)
}
do {
    try suite(Array(arguments.dropFirst()))
} catch {
    print("benchmark \(name) failed: \(error)")
    exit(1)
}
