import AWSCore
import AWSDynamoDB
import Foundation

/// GetRecords page decoding, side by side: Foundation JSONDecoder (Codable), JSONSerialization,
/// our generic parser (tree only, and tree + conversion to StreamRecord) and GetRecordsDecoder.
///
/// The page is built from the recorded corpus (Tests/Fixtures/getrecords): records are cycled,
/// with fresh event IDs and rising sequence numbers, until the body reaches `--bytes` (default
/// 1.2 MB) or `--records` (default 1000). After one warm-up, `--rounds` (default 7) rounds run
/// every contender for `--seconds` / rounds (default 0.5 s) each; the median round gives MB/s.
enum JSONDecodingBenchmark {
    static func run(arguments: [String]) throws {
        var targetBytes = 1_200_000
        var maxRecords = 1000
        var seconds = 0.5
        var rounds = 7
        var only: String?
        // For profiling (perf stat): exactly this many iterations of each contender, untimed.
        var fixedIterations: Int?
        var index = 0
        while index + 1 < arguments.count {
            switch arguments[index] {
            case "--bytes": targetBytes = Int(arguments[index + 1]) ?? targetBytes
            case "--records": maxRecords = Int(arguments[index + 1]) ?? maxRecords
            case "--seconds": seconds = Double(arguments[index + 1]) ?? seconds
            case "--only": only = arguments[index + 1]
            case "--iterations": fixedIterations = Int(arguments[index + 1])
            case "--rounds": rounds = max(1, Int(arguments[index + 1]) ?? rounds)
            default: break
            }
            index += 2
        }
        let page = try buildPage(targetBytes: targetBytes, maxRecords: maxRecords)
        let check = try GetRecordsDecoder.decode(page)
        let megabytes = Double(page.count) / 1_000_000
        print(
            String(
                format: "page: %d records, %.3f MB (%@)", check.records.count, megabytes,
                corpusDirectory.lastPathComponent))

        var sink = 0
        var contenders: [(String, () throws -> Int)] = [
            (
                "Foundation JSONDecoder (Codable)",
                {
                    try JSONDecoder().decode(WireGetRecordsOutput.self, from: Data(page)).records.count
                }
            ),
            (
                "Foundation JSONSerialization",
                {
                    let object = try JSONSerialization.jsonObject(with: Data(page)) as? [String: Any]
                    return (object?["Records"] as? [Any])?.count ?? 0
                }
            ),
            ("JSONValue.parse (tree)", { try JSONValue.parse(page).objectValue?.count ?? 0 }),
            (
                "JSONValue.parse + GetRecordsOutput(json:)",
                {
                    try GetRecordsOutput(json: JSONValue.parse(page)).records.count
                }
            ),
            ("GetRecordsDecoder.decode", { try GetRecordsDecoder.decode(page).records.count }),
        ]
        if let only {
            contenders = contenders.filter { $0.0.contains(only) }
            guard !contenders.isEmpty else { return print("no contender matches \(only)") }
        }
        if let fixedIterations {
            for (_, body) in contenders { for _ in 0..<fixedIterations { sink &+= try body() } }
            return print("ran \(fixedIterations) iterations (checksum \(sink))")
        }
        // Rounds interleave the contenders so that load from other processes on the machine
        // hits them alike; in a round each runs for at least `slice` and reports its mean
        // iteration; the figure is the median over rounds.
        let clock = ContinuousClock()
        let slice = Duration.milliseconds(Int(seconds * 1000 / Double(rounds)))
        var perRound = [[Double]](repeating: [], count: contenders.count)
        for (_, body) in contenders { sink &+= try body() }  // warm-up
        for _ in 0..<rounds {
            for (index, (_, body)) in contenders.enumerated() {
                let start = clock.now
                var iterations = 0
                repeat {
                    sink &+= try body()
                    iterations += 1
                } while clock.now - start < slice
                perRound[index].append(Double((clock.now - start) / .nanoseconds(1)) / 1e9 / Double(iterations))
            }
        }
        var rates: [Double] = []
        for (index, (name, _)) in contenders.enumerated() {
            let median = perRound[index].sorted()[rounds / 2]
            rates.append(megabytes / median)
            let label = name.padding(toLength: 44, withPad: " ", startingAt: 0)
            print(label + String(format: "%8.1f MB/s  median %7.2f ms", megabytes / median, median * 1000))
        }
        guard rates.count == 5 else { return }
        print(String(format: "GetRecordsDecoder / JSONDecoder:        %.1fx", rates[4] / rates[0]))
        print(String(format: "GetRecordsDecoder / JSONSerialization:  %.1fx", rates[4] / rates[1]))
        print(String(format: "GetRecordsDecoder / parse + tree path:  %.1fx", rates[4] / rates[3]))
        if sink == 42 { print("") }  // keeps the results alive
    }

    static let corpusDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/getrecords")

    /// A page of corpus records cycled to the target size, with unique IDs and sequence numbers.
    static func buildPage(targetBytes: Int, maxRecords: Int) throws -> [UInt8] {
        let names = try FileManager.default.contentsOfDirectory(atPath: corpusDirectory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        var records: [JSONValue] = []
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: corpusDirectory.appendingPathComponent(name)))
            records += try JSONValue.parse(bytes)["Records"]?.arrayValue ?? []
        }
        guard !records.isEmpty else { throw CocoaError(.fileReadCorruptFile) }
        var out: [UInt8] = Array(#"{"Records":["#.utf8)
        var count = 0
        while count < maxRecords && out.count < targetBytes {
            let record = renumber(records[count % records.count], index: count)
            if count > 0 { out.append(UInt8(ascii: ",")) }
            record.write(to: &out)
            count += 1
        }
        out += Array(#"],"NextShardIterator":"arn:aws:dynamodb:us-east-1:123456789012:table/t/stream/x|1|AAAA"}"#.utf8)
        return out
    }

    static func renumber(_ record: JSONValue, index: Int) -> JSONValue {
        guard case .object(var members) = record else { return record }
        for i in members.indices {
            switch members[i].key {
            case "eventID":
                members[i].value = .string(String(format: "%032x", index))
            case "dynamodb":
                guard case .object(var data) = members[i].value else { continue }
                for j in data.indices where data[j].key == "SequenceNumber" {
                    data[j].value = .string("1100000000" + String(format: "%012d", index))
                }
                members[i].value = .object(data)
            default: break
            }
        }
        return .object(members)
    }
}
