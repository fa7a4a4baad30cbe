import Foundation

/// Credentials from the ECS / EKS container credentials endpoint.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is appended to `http://169.254.170.2`; otherwise
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` is used as is, which over plain HTTP must name a
/// loopback or container-agent host (botocore's rule, so credentials never travel in clear text
/// to an arbitrary host). `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read on every fetch, as
/// EKS rotates it) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN` is sent as `Authorization`.
/// Fetches on every call; wrap it in a `CachedCredentialProvider`.
public struct ContainerCredentialProvider: CredentialProvider {
    public let environment: [String: String]
    private let transport: SerialTransport

    public init(environment: [String: String], transport: any HTTPTransport) {
        self.environment = environment
        self.transport = SerialTransport(transport)
    }

    /// The credentials URL the environment selects, nil when neither variable is set.
    public static func endpoint(environment: [String: String]) throws -> String? {
        if let relative = environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"].nonEmptySetting {
            return "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        }
        guard let full = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"].nonEmptySetting else { return nil }
        let url = SigningURL(full)
        guard url.scheme == "https" || (url.scheme == "http" && isAllowedPlainHost(url.hostHeader)) else {
            throw AWSError.credentialsFailed(
                "container", code: "InvalidContainerEndpoint",
                "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a loopback / container-agent http host")
        }
        return full
    }

    public func credentials() throws -> Credentials {
        guard let url = try Self.endpoint(environment: environment) else {
            throw AWSError.credentialsNotConfigured("container", "AWS_CONTAINER_CREDENTIALS_*_URI is not set")
        }
        var headers: [(name: String, value: String)] = [("Accept", "application/json")]
        if let token = try authorizationToken() { headers.append(("Authorization", token)) }
        let response = try transport.send(
            HTTPRequest(method: "GET", url: url, headers: headers), operation: "ContainerCredentials")
        guard response.status == 200 else {
            throw AWSError.credentialsFailed(
                "container", code: "ContainerCredentialsError", "endpoint returned HTTP \(response.status)",
                httpStatus: response.status)
        }
        return try Credentials(document: response.body, source: "container")
    }

    public func invalidate() {}

    private func authorizationToken() throws -> String? {
        var token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"].nonEmptySetting
        if let path = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"].nonEmptySetting {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw AWSError.credentialsFailed(
                    "container", code: "TokenFileUnreadable", "cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
            }
            token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        // A line break would let the value inject headers.
        if let token, token.contains(where: { $0 == "\r" || $0 == "\n" }) {
            throw AWSError.credentialsFailed(
                "container", code: "InvalidAuthorizationToken", "the authorization token contains a line break")
        }
        return token
    }

    private static func isAllowedPlainHost(_ hostWithPort: String) -> Bool {
        var host = hostWithPort
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        if ["localhost", "::1", "169.254.170.2", "169.254.170.23", "fd00:ec2::23"].contains(host) { return true }
        let octets = host.split(separator: ".")
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
