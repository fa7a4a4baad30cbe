import Testing

@testable import ZaelAggregator

@Suite struct TOMLParserTests {
    @Test func parsesEveryValueType_withTheLineOfEachKey() throws {
        let source = """
            # leading comment
            [table]
            name = "rate-limits"   # trailing comment

            [consumer]
            batch_size = 1_000
            idle_poll_seconds = 0.25
            max_record_age_seconds = -1
            bisect_on_error = false
            literal = 'C:\\path\\no escapes'
            escaped = "tab\\tquote\\"\\u00e9"
            windows = [
              "hourly",   # first
              'daily',
            ]
            exponent = 1e3
            """
        let (doc, errors) = TOMLParser.parse(source)
        #expect(errors == [])
        #expect(doc.entry("table.name") == .init(table: "table", key: "name", value: .string("rate-limits"), line: 3))
        #expect(doc.entry("consumer.batch_size")?.value == .integer(1000))
        #expect(doc.entry("consumer.batch_size")?.line == 6)
        #expect(doc.entry("consumer.idle_poll_seconds")?.value == .float(0.25))
        #expect(doc.entry("consumer.max_record_age_seconds")?.value == .integer(-1))
        #expect(doc.entry("consumer.bisect_on_error")?.value == .bool(false))
        #expect(doc.entry("consumer.literal")?.value == .string("C:\\path\\no escapes"))
        #expect(doc.entry("consumer.escaped")?.value == .string("tab\tquote\"é"))
        #expect(
            doc.entry("consumer.windows")
                == .init(table: "consumer", key: "windows", value: .stringArray(["hourly", "daily"]), line: 12))
        #expect(doc.entry("consumer.exponent")?.value == .float(1000))
        #expect(doc.entry("consumer.exponent")?.line == 16)  // lines keep counting through the array
        #expect(doc.tables == ["table": 2, "consumer": 5])
    }

    @Test func crlfLineEndings_areAccepted() {
        let (doc, errors) = TOMLParser.parse("[table]\r\nname = \"x\"\r\n")
        #expect(errors == [])
        #expect(doc.entry("table.name")?.value == .string("x"))
    }

    @Test func reportsEveryErrorWithItsLine_andKeepsTheGoodLines() {
        let source = """
            [consumer]
            batch_size = 
            good = 1
            name = "unterminated
            007 = 1
            x = 007
            when = 2026-01-01
            a.b = 1
            "quoted" = 1
            inline = { a = 1 }
            mixed = ["a", 1]
            [[arrays]]
            [nested.table]
            good = 2
            flag = yes
            text = "bad \\q escape"
            """
        let (doc, errors) = TOMLParser.parse(source)
        #expect(errors.map(\.line) == [2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16])
        #expect(errors[0].message == "missing value for key batch_size")
        #expect(errors[1].message == "unterminated string")
        #expect(errors[2].message.contains("invalid value 007"))
        #expect(errors[3].message == "dates and times are not supported")
        #expect(errors[4].message.contains("dotted keys are not supported"))
        #expect(errors[5].message.contains("quoted keys are not supported"))
        #expect(errors[6].message == "inline tables are not supported")
        #expect(errors[7].message == "arrays may hold strings only")
        #expect(errors[8].message.contains("arrays of tables"))
        #expect(errors[9].message.contains("nested tables"))
        #expect(errors[10].message.contains("invalid value yes"))
        #expect(errors[11].message.contains("invalid escape \\q"))
        // Keys under a broken header are checked but not kept (not misfiled under [consumer]).
        #expect(doc.entry("consumer.good")?.value == .integer(1))
        #expect(doc.entries.count == 2)
        #expect(doc.entry("consumer.007")?.value == .integer(1))  // a bare key may be all digits
    }

    @Test func duplicateKeysAndTables_areErrors() {
        let (_, errors) = TOMLParser.parse("[a]\nx = 1\nx = 2\n[b]\n[a]\n")
        #expect(
            errors == [
                TOMLSyntaxError(line: 3, message: "duplicate key a.x (first set at line 2)"),
                TOMLSyntaxError(line: 5, message: "duplicate table [a] (first at line 1)"),
            ])
    }

    @Test func aTopLevelKeyThenATableOfTheSameName_isAnError() {
        let (doc, errors) = TOMLParser.parse("table = 1\n[table]\nname = \"t\"\n")
        #expect(
            errors == [TOMLSyntaxError(line: 2, message: "table [table] redefines the key table (set at line 1)")])
        // The header is refused, so its keys are checked but not kept.
        #expect(doc.entry("table.name") == nil)
    }

    @Test func textAfterAValue_isAnError() {
        let (_, errors) = TOMLParser.parse("[a]\nx = 1 2\ny = \"s\" t\n")
        #expect(errors.map(\.line) == [2, 3])
        #expect(errors.allSatisfy { $0.message.hasPrefix("unexpected text after the value of") })
    }

    @Test func numbers_followTOMLRules() {
        #expect(TOMLParser.integer("+42") == 42)
        #expect(TOMLParser.integer("-1_000") == -1000)
        #expect(TOMLParser.integer("0") == 0)
        #expect(TOMLParser.integer("01") == nil)
        #expect(TOMLParser.integer("1__0") == nil)
        #expect(TOMLParser.integer("_1") == nil)
        #expect(TOMLParser.integer("99999999999999999999") == nil)
        #expect(TOMLParser.float("1.5") == 1.5)
        #expect(TOMLParser.float("-2e-2") == -0.02)
        #expect(TOMLParser.float("1.") == nil)
        #expect(TOMLParser.float(".5") == nil)
        #expect(TOMLParser.float("inf") == nil)
        #expect(TOMLParser.float("12") == nil)  // an integer, not a float
    }
}
