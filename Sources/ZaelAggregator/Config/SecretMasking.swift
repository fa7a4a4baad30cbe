import Observability

/// Masks credentials before a configuration value is printed or logged, with Observability's
/// `ConfigMasking` (the one masking of the daemon): a setting whose key names a secret is hidden
/// whole, and a URL loses its `user:password@`.
///
/// The file has no credential keys (credentials come from the AWS chain: environment, profile,
/// IMDS), but an endpoint URL may carry `user:password@`.
enum SecretMasking {
    /// A value with no key (a logged endpoint): its URL user info is masked.
    static func mask(_ value: String) -> String { ConfigMasking.maskingUserInfo(value) }

    /// The value of the setting `key` with every string inside it masked as the status socket
    /// masks it (`ConfigMasking.masked(key:value:)`).
    static func mask(key: String, _ value: TOMLValue) -> TOMLValue {
        switch value {
        case .string(let s): return .string(ConfigMasking.masked(key: key, value: s))
        case .stringArray(let items): return .stringArray(items.map { ConfigMasking.masked(key: key, value: $0) })
        default: return value
        }
    }
}
