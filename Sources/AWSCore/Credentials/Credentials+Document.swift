import Foundation

extension Credentials {
    /// Parses the JSON document the ECS agent and IMDS serve: `AccessKeyId`, `SecretAccessKey`,
    /// `Token`, `Expiration` (ISO 8601) and, from IMDS, `Code` (must be `Success` when present).
    ///
    /// Throws an `AWSError` of kind `.credentials` naming the missing field, never echoing the
    /// document (it holds the secret).
    init(document: [UInt8], source: String) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(document)) as? [String: Any] else {
            throw AWSError.credentialsFailed(
                source, code: "InvalidCredentialsDocument", "response is not a JSON object")
        }
        if let code = object["Code"] as? String, code != "Success" {
            throw AWSError.credentialsFailed(source, code: "CredentialsUnavailable", "document code is \(code)")
        }
        guard let key = (object["AccessKeyId"] as? String).nonEmptySetting,
            let secret = (object["SecretAccessKey"] as? String).nonEmptySetting
        else {
            throw AWSError.credentialsFailed(
                source, code: "InvalidCredentialsDocument", "AccessKeyId or SecretAccessKey missing")
        }
        var expiration: Date?
        if let text = object["Expiration"] as? String {
            guard let date = Self.parseISO8601(text) else {
                throw AWSError.credentialsFailed(
                    source, code: "InvalidCredentialsDocument", "Expiration is not ISO 8601")
            }
            expiration = date
        }
        self.init(
            accessKeyID: key, secretAccessKey: secret, sessionToken: (object["Token"] as? String).nonEmptySetting,
            expiration: expiration, source: source)
    }

    static func parseISO8601(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
