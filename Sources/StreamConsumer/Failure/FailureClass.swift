import AWSCore

/// How the lane treats an error a processor threw: the rule that decides between "wait it out",
/// "stop the shard until someone fixes the environment" and "this record cannot be applied".
///
/// - `weather`: AWS said try again (throttling, 5xx, timeouts, transaction conflicts). The
///   records are valid; the lane retries with backoff until they succeed or pass
///   `maxRecordAge`. They never use up `maxRetryAttempts`, are never bisected or spooled.
/// - `environment`: a permanent error about the account or configuration (access denied, a
///   missing table or bucket, credentials that stay rejected). The records are valid too, but
///   no amount of backoff helps until an operator acts: the shard halts loudly and retries at a
///   slow, capped pace, neither passing nor spooling a record, so it resumes once fixed.
/// - `deterministic`: everything else (a record the processor rejects, a validation error about
///   the request it built). Retried `maxRetryAttempts` times, bisected, then spooled.
public enum FailureClass: Sendable, Equatable {
    case weather(code: String)
    case environment(code: String)
    case deterministic

    /// AWS error codes that say the environment, not the record, is wrong.
    public static let environmentCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "NoSuchBucket", "ResourceNotFoundException",
        "UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch",
        "MissingAuthenticationToken", "MissingAuthenticationTokenException", "NotAuthorized",
        "KMSAccessDeniedException", "KMSDisabledException", "KMSNotFoundException", "KMSInvalidStateException",
        "AllAccessDisabled", "AccountProblem", "InvalidBucketState", "NoSuchKey", "PermanentRedirect",
        "AuthorizationHeaderMalformed", "TableNotFoundException", "InvalidToken",
    ]

    /// Classifies `error`; `AWSError`s and `ConsumerError`s carrying one are read by kind and code,
    /// anything else (a processor's own error type) is deterministic.
    public static func of(_ error: Error) -> FailureClass {
        if let aws = error as? AWSError { return of(aws) }
        if let consumer = error as? ConsumerError, let underlying = consumer.underlying { return of(underlying) }
        return .deterministic
    }

    static func of(_ error: AWSError) -> FailureClass {
        // A transaction that lost a race with another one clears by itself, whatever kind the
        // thrower gave it (a processor that ran out of its own conflict retries rethrows it).
        if isConflict(error) { return .weather(code: error.code) }
        switch error.kind {
        case .throttling, .transient:
            return .weather(code: error.code)
        case .credentials:
            // The client already refreshed once: credentials that stay rejected (or absent) are
            // the operator's to fix.
            return .environment(code: error.code)
        case .fatal:
            return environmentCodes.contains(error.code) ? .environment(code: error.code) : .deterministic
        case .conditional, .cancelled:
            return .deterministic
        }
    }

    /// `TransactionConflictException`, or a cancellation whose reasons are only conflicts.
    static func isConflict(_ error: AWSError) -> Bool {
        if error.code == "TransactionConflictException" { return true }
        guard error.code == "TransactionCanceledException" else { return false }
        let reasons = error.cancellationReasons.filter { $0 != "None" }
        return !reasons.isEmpty && reasons.allSatisfy { $0 == "TransactionConflict" }
    }
}
