import Logging

extension Retrier {
    /// This retrier, also logging each retry at debug level (operation and error, never request
    /// contents) before any `onRetry` already set; unchanged without a logger. The AWS clients'
    /// one way of saying they retry.
    public func loggingRetries(to logger: Logger?) -> Retrier {
        guard let logger else { return self }
        var retrier = self
        let next = onRetry
        retrier.onRetry = { error in
            logger.debug(
                "retrying AWS call", metadata: ["aws.operation": "\(error.operation)", "aws.error": "\(error)"])
            next?(error)
        }
        return retrier
    }
}
