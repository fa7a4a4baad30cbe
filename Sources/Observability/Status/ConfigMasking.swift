/// Masks secrets in configuration values before they leave the process (status socket, logs).
public enum ConfigMasking {
    /// The replacement for a secret value.
    public static let mask = "****"

    /// Key fragments that mark a value as secret.
    static let secretFragments = ["secret", "password", "token", "credential", "access_key", "private"]

    /// Returns the entries with secret values replaced and user info stripped from URLs.
    public static func masked(_ entries: [(key: String, value: String)]) -> [StatusSnapshot.ConfigEntry] {
        entries.map { StatusSnapshot.ConfigEntry(key: $0.key, value: masked(key: $0.key, value: $0.value)) }
    }

    /// One value, masked if its key names a secret; URLs lose any `user:password@`.
    public static func masked(key: String, value: String) -> String {
        let lowered = key.lowercased()
        if secretFragments.contains(where: { lowered.contains($0) }) { return value.isEmpty ? value : mask }
        return maskingUserInfo(value)
    }

    /// `value` with the user info of a URL in it (`user:password@`, or a lone `token@`, which
    /// may itself be the secret) replaced by `****`; anything else unchanged. The one masking of
    /// the daemon: status, `check-config`, configuration errors and logs all use it.
    public static func maskingUserInfo(_ value: String) -> String {
        guard let scheme = value.range(of: "://") else { return value }
        let rest = value[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return value }
        return String(value[..<scheme.upperBound]) + mask + String(rest[at...])
    }
}
