/// Chooses the DynamoDB and DynamoDB Streams endpoint URLs.
///
/// Precedence, per service: the configured override, then `AWS_ENDPOINT_URL_DYNAMODB` /
/// `AWS_ENDPOINT_URL_DYNAMODB_STREAMS`, then `AWS_ENDPOINT_URL`, then the regional default
/// (`https://dynamodb.{region}.amazonaws.com`, `https://streams.dynamodb.{region}.amazonaws.com`,
/// `.amazonaws.com.cn` in China regions). `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` skips the
/// environment variables, as the AWS SDKs do.
public struct EndpointResolver: Sendable, Equatable {
    /// The DynamoDB endpoint from the daemon's configuration. Default nil.
    public var dynamoDBOverride: String?
    /// The DynamoDB Streams endpoint from the daemon's configuration. Default nil.
    public var streamsOverride: String?

    public init(dynamoDBOverride: String? = nil, streamsOverride: String? = nil) {
        self.dynamoDBOverride = dynamoDBOverride
        self.streamsOverride = streamsOverride
    }

    public func dynamoDBEndpoint(region: String, environment: [String: String]) -> String {
        resolve(
            override: dynamoDBOverride, serviceVariable: "AWS_ENDPOINT_URL_DYNAMODB", host: "dynamodb", region: region,
            environment: environment)
    }

    public func streamsEndpoint(region: String, environment: [String: String]) -> String {
        resolve(
            override: streamsOverride, serviceVariable: "AWS_ENDPOINT_URL_DYNAMODB_STREAMS", host: "streams.dynamodb",
            region: region, environment: environment)
    }

    private func resolve(
        override: String?, serviceVariable: String, host: String, region: String, environment: [String: String]
    ) -> String {
        if let override = override.nonEmptySetting { return override }
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true",
            let url = environment[serviceVariable].nonEmptySetting ?? environment["AWS_ENDPOINT_URL"].nonEmptySetting
        {
            return url
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(host).\(region).\(suffix)"
    }
}
