/// Masks credentials before a value is printed or logged.
///
/// The file has no credential keys (credentials come from the AWS chain: environment, profile,
/// IMDS), but an endpoint URL may carry `user:password@`: the password is replaced by `****`, and
/// a lone `token@` (which may itself be the secret) entirely.
enum SecretMasking {
    static func mask(_ value: String) -> String {
        guard let scheme = value.range(of: "://") else { return value }
        let afterScheme = value[scheme.upperBound...]
        let authorityEnd = afterScheme.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? value.endIndex
        guard let at = value[scheme.upperBound..<authorityEnd].lastIndex(of: "@") else { return value }
        let userInfo = value[scheme.upperBound..<at]
        let masked = userInfo.firstIndex(of: ":").map { userInfo[..<$0] + ":****" } ?? "****"
        return String(value[..<scheme.upperBound]) + masked + String(value[at...])
    }

    /// `value` with every string inside it masked.
    static func mask(_ value: TOMLValue) -> TOMLValue {
        switch value {
        case .string(let s): return .string(mask(s))
        case .stringArray(let items): return .stringArray(items.map { mask($0) })
        default: return value
        }
    }
}
