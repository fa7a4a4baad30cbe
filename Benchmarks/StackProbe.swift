import AWSCore
import AWSDynamoDB
import Foundation

/// Not a benchmark but a probe: parses documents nested up to `JSONReader.defaultMaxDepth` on a
/// thread with a small stack (argument: KiB, default 512), with all three decoding paths, to
/// show how much stack the recursive readers need. A crash means the stack was too small.
enum StackProbe {
    static func run(arguments: [String]) throws {
        let kib = Int(arguments.first ?? "512") ?? 512
        for depth in [32, 64, 128, 256, 384, 512] {
            let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            var av = #"{"S":"x"}"#
            for _ in 0..<(depth / 2 - 4) { av = #"{"L":[\#(av)]}"# }
            let page = Array(
                (#"{"Records":[{"eventID":"e","eventName":"M","dynamodb":{"Keys":{"k":\#(av)},"SequenceNumber":"1"}}]}"#)
                    .utf8)
            let thread = Thread {
                let a = (try? JSONValue.parse(arrays)) != nil
                let b = (try? GetRecordsDecoder.decode(page)) != nil
                let c = (try? GetRecordsOutput(json: JSONValue.parse(page))) != nil
                // Unbuffered, so that the last line survives a crash of the next depth.
                let line = "depth \(depth) on \(kib) KiB: parse \(a) fast \(b) tree \(c)\n"
                FileHandle.standardOutput.write(Data(line.utf8))
            }
            thread.stackSize = kib * 1024
            thread.start()
            while !thread.isFinished { usleep(1000) }
        }
    }
}
