import Testing

@testable import ZaelAggregator

/// `StreamDecision.decide`: keep, drain, switch or wait, from the consumed stream, the pin, the
/// table's answer and whether the consumed stream is drained.
struct StreamDecisionTests {
    let old = "arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-01-01T00:00:00.000"
    let new = "arn:aws:dynamodb:us-east-1:1:table/t/stream/2026-02-01T00:00:00.000"

    func table(enabled: Bool, latest: String?, view: String? = "NEW_AND_OLD_IMAGES") -> StreamDecision.TableStream {
        StreamDecision.TableStream(table: "t", enabled: enabled, latestArn: latest, viewType: view)
    }

    @Test func atStart_consumesTheTablesStream_orWaitsSayingWhy() {
        #expect(
            StreamDecision.decide(
                current: nil, finished: nil, pinned: nil, table: table(enabled: true, latest: old), drained: false)
                == .consume(old))
        // Streams never turned on: no arn at all.
        #expect(
            StreamDecision.decide(
                current: nil, finished: nil, pinned: nil, table: table(enabled: false, latest: nil, view: nil),
                drained: false) == .wait("table t has no stream enabled (enable NEW_AND_OLD_IMAGES)"))
        // Turned off: DescribeTable still names the last stream.
        #expect(
            StreamDecision.decide(
                current: nil, finished: nil, pinned: nil, table: table(enabled: false, latest: old, view: nil),
                drained: false) == .wait("table t has no stream enabled (enable NEW_AND_OLD_IMAGES)"))
        // A wrong view type waits too: the operator fixes it by turning the stream off and on.
        guard
            case .wait(let reason) = StreamDecision.decide(
                current: nil, finished: nil, pinned: nil, table: table(enabled: true, latest: old, view: "KEYS_ONLY"),
                drained: false)
        else {
            Issue.record("a KEYS_ONLY stream must not be consumed")
            return
        }
        #expect(reason.contains("KEYS_ONLY") && reason.contains("NEW_AND_OLD_IMAGES"))
    }

    @Test func whileConsuming_keepsUntilTheTableMovesOn_thenDrainsBeforeSwitching() {
        let same = table(enabled: true, latest: old)
        #expect(StreamDecision.decide(current: old, finished: nil, pinned: nil, table: same, drained: false) == .keep)
        // Drained but still the table's stream (cannot really happen): nothing to follow.
        #expect(StreamDecision.decide(current: old, finished: nil, pinned: nil, table: same, drained: true) == .keep)
        let moved = table(enabled: true, latest: new)
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: nil, table: moved, drained: false)
                == .drain("table t now has stream \(new)"))
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: nil, table: moved, drained: true)
                == .switchTo(new))
    }

    @Test func streamsTurnedOff_drainThenWait_andFollowWhenOnAgain() {
        let off = table(enabled: false, latest: old, view: nil)
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: nil, table: off, drained: false)
                == .drain("table t has no stream enabled"))
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: nil, table: off, drained: true)
                == .stopAndWait("table t has no stream enabled (enable NEW_AND_OLD_IMAGES)"))
        // Waiting after the drained stream: the same (disabled) arn is never consumed again...
        #expect(
            StreamDecision.decide(
                current: nil, finished: old, pinned: nil, table: table(enabled: true, latest: old), drained: false)
                == .wait("table t has no stream enabled (enable NEW_AND_OLD_IMAGES)"))
        // ...a new one is.
        #expect(
            StreamDecision.decide(
                current: nil, finished: old, pinned: nil, table: table(enabled: true, latest: new), drained: false)
                == .consume(new))
        // Turned on again with the wrong view type: stop the drained stream and wait.
        guard
            case .stopAndWait(let reason) = StreamDecision.decide(
                current: old, finished: nil, pinned: nil, table: table(enabled: true, latest: new, view: "NEW_IMAGE"),
                drained: true)
        else {
            Issue.record("a NEW_IMAGE stream must not be followed")
            return
        }
        #expect(reason.contains("NEW_IMAGE"))
    }

    @Test func aPinnedStreamIsFinishedButNeverLeft() {
        let moved = table(enabled: true, latest: new)
        #expect(
            StreamDecision.decide(current: nil, finished: nil, pinned: old, table: moved, drained: false)
                == .consume(old))
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: old, table: moved, drained: false)
                == .drain("table t now has stream \(new)"))
        #expect(
            StreamDecision.decide(current: old, finished: nil, pinned: old, table: moved, drained: true)
                == .stopAndWait("pinned stream \(old) has ended; table t now has stream \(new)"))
        #expect(
            StreamDecision.decide(current: nil, finished: old, pinned: old, table: moved, drained: false)
                == .wait("pinned stream \(old) has ended; table t now has stream \(new)"))
        // Pinned to the table's own stream: kept like any other.
        #expect(
            StreamDecision.decide(
                current: old, finished: nil, pinned: old, table: table(enabled: true, latest: old), drained: false)
                == .keep)
    }
}
