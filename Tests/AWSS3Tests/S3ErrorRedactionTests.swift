import AWSCore
import Testing

@testable import AWSS3

@Suite struct S3ErrorRedactionTests {
    @Test func signatureMismatchEcho_reachesNoReaderRaw() throws {
        let token = "FwoGZXIvYXdzEBYaDEXAMPLETOKEN+/Zz=="
        let signature = "9f2e1c0b8a7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"
        // S3 puts the canonical request in its own elements too; the message may quote parts.
        let body =
            "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>Expected "
            + "x-amz-security-token:\(token) and Signature=\(signature) &amp; more</Message>"
            + "<AWSAccessKeyId>ASIAQEXAMPLE7REDACT1</AWSAccessKeyId><SignatureProvided>\(signature)"
            + "</SignatureProvided><RequestId>R1</RequestId></Error>"
        let response = HTTPResponse(status: 403, headers: [], body: Array(body.utf8))
        let error = try #require(S3Error.classify(response, operation: "PutObject"))
        #expect(error.code == "SignatureDoesNotMatch")
        #expect(error.message == "Expected x-amz-security-token:<redacted> and Signature=<redacted> & more")
        #expect(!error.description.contains(token) && !error.description.contains(signature))
        #expect(!error.description.contains("ASIAQEXAMPLE7REDACT1"))
    }
}
