import AWSCore
import Logging

/// A service client over one AWS JSON protocol target (`X-Amz-Target: Prefix.Operation`): the
/// DynamoDB and DynamoDB Streams clients share how they are built from an endpoint.
public protocol JSONProtocolService {
    /// The `X-Amz-Target` prefix of the service.
    static var targetPrefix: String { get }
    init(client: AWSJSONClient)
}

extension JSONProtocolService {
    /// A client for `endpoint` signing with SigV4 in `region` (DynamoDB Streams signs as
    /// `dynamodb`, like DynamoDB).
    public init(
        endpoint: String, region: String, transport: any HTTPTransport, credentials: any CredentialProvider,
        retrier: Retrier, logger: Logger? = nil
    ) {
        self.init(
            client: AWSJSONClient(
                endpoint: endpoint, targetPrefix: Self.targetPrefix, region: region, transport: transport,
                credentials: credentials, retrier: retrier, logger: logger))
    }
}
