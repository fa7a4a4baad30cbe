import Observability

/// Masks credentials before a configuration value is printed or logged, with Observability's
/// `ConfigMasking` (the one masking of the daemon).
///
/// The file has no credential keys (credentials come from the AWS chain: environment, profile,
/// IMDS), but an endpoint URL may carry `user:password@`.
enum SecretMasking {
    static func mask(_ value: String) -> String { ConfigMasking.maskingUserInfo(value) }

    /// `value` with every string inside it masked.
    static func mask(_ value: TOMLValue) -> TOMLValue {
        switch value {
        case .string(let s): return .string(mask(s))
        case .stringArray(let items): return .stringArray(items.map { mask($0) })
        default: return value
        }
    }
}
