import TestPeers
import Testing

@testable import AWSCore

@Suite struct RedactionTests {
    static let token = "IQoJb3JpZ2luX2VjEHoaCXVzLWVhc3QtMSJHMEUCIQDtoken+/AbC=="
    static let signature = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
    static let keyID = "ASIAQEXAMPLE7REDACT1"

    private func redacted(_ text: String) -> String { Redaction.redacted(text) }

    @Test func canonicalRequestEcho_losesTokenKeepsTheRest() {
        let message =
            "The request signature we calculated does not match the signature you provided. "
            + "The Canonical String for this request should have been\n'POST\n/\n\nhost:dynamodb.us-east-1.amazonaws.com\n"
            + "x-amz-date:20260102T030405Z\nx-amz-security-token:\(Self.token)\n"
            + "x-amz-target:DynamoDB_20120810.GetItem\n\nhost;x-amz-date;x-amz-security-token;x-amz-target\nabc'"
        let out = redacted(message)
        #expect(!out.contains(Self.token))
        #expect(out.contains("\nx-amz-security-token:<redacted>\nx-amz-target:DynamoDB_20120810.GetItem\n"))
        #expect(out.contains("host;x-amz-date;x-amz-security-token;x-amz-target\nabc'"))
        #expect(out.hasPrefix("The request signature we calculated does not match the signature you provided."))
    }

    @Test func authorizationHeader_losesCredentialAndSignature() {
        let header =
            "Authorization: AWS4-HMAC-SHA256 Credential=\(Self.keyID)/20260102/us-east-1/dynamodb/aws4_request, "
            + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=\(Self.signature)"
        #expect(
            redacted(header)
                == "Authorization: AWS4-HMAC-SHA256 Credential=<redacted>, "
                + "SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=<redacted>")
    }

    @Test func headerAndQueryForms_anyCase() {
        #expect(
            redacted("X-Amz-Security-Token: \(Self.token)\r\nHost: h") == "X-Amz-Security-Token: <redacted>\r\nHost: h")
        #expect(redacted("x-amz-security-token:\t\(Self.token)") == "x-amz-security-token:\t<redacted>")
        let url =
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=\(Self.keyID)%2F20260102"
            + "%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Security-Token=IQo%2Bab%3D%3D&X-Amz-Signature=\(Self.signature)"
            + "&X-Amz-SignedHeaders=host"
        #expect(
            redacted(url)
                == "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<redacted>"
                + "&X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>&X-Amz-SignedHeaders=host")
        #expect(redacted("SIGNATURE=abc CREDENTIAL=def") == "SIGNATURE=<redacted> CREDENTIAL=<redacted>")
    }

    @Test func valueAtEndOfText_andRepeated() {
        #expect(redacted("signature=\(Self.signature)") == "signature=<redacted>")
        #expect(
            redacted("Signature=a\nSignature=b\nSignature=c")
                == "Signature=<redacted>\nSignature=<redacted>\nSignature=<redacted>")
        #expect(
            redacted("x-amz-security-token:\(Self.token)\nx-amz-security-token:\(Self.token)")
                == "x-amz-security-token:<redacted>\nx-amz-security-token:<redacted>")
    }

    @Test func quotedValues() {
        #expect(redacted("Signature=\"\(Self.signature)\" rest") == "Signature=\"<redacted>\" rest")
        #expect(redacted("'x-amz-security-token:\(Self.token)'") == "'x-amz-security-token:<redacted>'")
        #expect(redacted(#"{"X-Amz-Security-Token": "\#(Self.token)"}"#) == #"{"X-Amz-Security-Token": "<redacted>"}"#)
        #expect(redacted("(Credential=\(Self.keyID)/x)") == "(Credential=<redacted>)")
    }

    @Test func jsonEscapedText() {
        // A body quoted raw (not parsed): its newlines and quotes are still JSON escapes.
        let escaped = #"x-amz-date:20260102T030405Z\nx-amz-security-token:\#(Self.token)\nx-amz-target:T"#
        #expect(redacted(escaped) == #"x-amz-date:20260102T030405Z\nx-amz-security-token:<redacted>\nx-amz-target:T"#)
        let quoted = #"{\"X-Amz-Security-Token\":\"\#(Self.token)\",\"a\":1}"#
        #expect(redacted(quoted) == #"{\"X-Amz-Security-Token\":\"<redacted>\",\"a\":1}"#)
        // `\/` is an escaped slash inside a value, not its end.
        #expect(redacted(#"x-amz-security-token:IQo\/secret\/part\nnext"#) == #"x-amz-security-token:<redacted>\nnext"#)
    }

    @Test func bareAccessKeyIDs_butNotInsideLongerWords() {
        #expect(redacted("key \(Self.keyID) is unknown") == "key <redacted> is unknown")
        #expect(redacted("AKIAIOSFODNN7EXAMPLE.") == "<redacted>.")
        #expect(redacted("XAKIAIOSFODNN7EXAMPLE") == "XAKIAIOSFODNN7EXAMPLE")
        #expect(redacted("AKIAIOSFODNN7EXAMPLEX") == "AKIAIOSFODNN7EXAMPLEX")
        #expect(redacted("AKIAshort") == "AKIAshort")
    }

    @Test func textWithoutSignedValues_isUnchanged() {
        for text in [
            "", "The conditional request failed", "The request signature we calculated does not match the signature",
            "SignedHeaders=host;x-amz-date;x-amz-security-token", "Signature=", "credential: ", "credentials=abc",
            "signature:\n", "Rate of requests exceeds the allowed throughput.", "héllo Signatur=x ✓",
        ] {
            #expect(redacted(text) == text)
        }
    }

    @Test func redactingTwice_changesNothingMore() {
        let once = redacted(
            "Credential=\(Self.keyID)/a, Signature=\(Self.signature) x-amz-security-token:\(Self.token)")
        #expect(once == "Credential=<redacted>, Signature=<redacted> x-amz-security-token:<redacted>")
        #expect(redacted(once) == once)
    }

    /// Random names (random case), separators, quotes, escapes and noise around random secrets:
    /// no secret ever survives, and the marker is there.
    @Test func randomEchoes_neverKeepTheSecret() {
        let seed: UInt64 = 0x00C0_FFEE
        print("RedactionTests seed \(seed)")
        var rng = SeededRandom(seed: seed)
        let names = [
            "x-amz-security-token", "X-Amz-Security-Token", "Credential", "X-Amz-Credential", "Signature",
            "X-Amz-Signature",
        ]
        let separators = ["=", ":", ": ", " = ", "\":\"", "\": \"", "\\\":\\\"", "='", ":\t"]
        let noise = Array("abcXYZ019 ,;&\n\r\t\"'\\<>(){}[]=:/+-_.é".unicodeScalars)
        let secretAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=%".unicodeScalars)
        let ends = ["", "\n", "\\n", "\"", "'", ",", "&", " ", "\r\n", ";", "}", "\\\""]
        for round in 0..<5_000 {
            var text = ""
            var secrets: [String] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                text += String(
                    String.UnicodeScalarView(
                        (0..<Int.random(in: 0..<12, using: &rng)).map { _ in
                            noise.randomElement(using: &rng)!
                        }))
                var name = names.randomElement(using: &rng)!
                if Bool.random(using: &rng) { name = Bool.random(using: &rng) ? name.uppercased() : name.lowercased() }
                let secret = String(
                    String.UnicodeScalarView(
                        (0..<Int.random(in: 16...40, using: &rng)).map { _ in
                            secretAlphabet.randomElement(using: &rng)!
                        }))
                secrets.append(secret)
                text += name + separators.randomElement(using: &rng)! + secret + ends.randomElement(using: &rng)!
            }
            let out = Redaction.redacted(text)
            for secret in secrets {
                #expect(!out.contains(secret), "round \(round): \(text.debugDescription) -> \(out.debugDescription)")
            }
            #expect(out.contains(Redaction.marker))
            #expect(Redaction.redacted(out) == out)
        }
    }

    @Test func awsErrorFromAnEchoingService_holdsOnlyRedactedText() throws {
        let echo =
            "Credential=\(Self.keyID)/20260102/us-east-1/dynamodb/aws4_request, Signature=\(Self.signature)"
            + "\\nx-amz-security-token:\(Self.token)\\n"
        let body = #"{"__type":"com.amazon.coral.validate#ValidationException","message":"bad: \#(echo)"}"#
        let response = HTTPResponse(
            status: 400, headers: [(name: "x-amzn-requestid", value: "RID")], body: Array(body.utf8))
        var error = try #require(AWSError.classify(response, operation: "TransactWriteItems"))
        #expect(error.code == "ValidationException")
        for text in [error.message, error.description, "\(error)"] {
            #expect(!text.contains(Self.token) && !text.contains(Self.signature) && !text.contains(Self.keyID))
            #expect(text.contains("Signature=<redacted>"))
        }
        error.message += " Signature=\(Self.signature)"
        #expect(!error.message.contains(Self.signature))
        let built = AWSError(
            kind: .fatal, code: "X", message: "x-amz-security-token:\(Self.token)", operation: "GetRecords",
            requestID: "Signature=\(Self.signature)")
        #expect(built.message == "x-amz-security-token:<redacted>")
        #expect(built.requestID == "Signature=<redacted>")
    }
}
