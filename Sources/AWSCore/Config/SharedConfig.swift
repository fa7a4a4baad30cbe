import Foundation

/// The shared AWS configuration as the environment selects it: which profile, and that
/// profile's settings from the credentials file and the config file.
///
/// Built from an explicit environment dictionary (never the process global) so that tests are
/// hermetic. Files are read once, at `load`; a missing or unreadable file counts as empty.
public struct SharedConfig: Sendable {
    /// The selected profile: `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
    public var profileName: String
    /// Whether the profile was named by the environment (or the caller) rather than defaulted.
    public var profileExplicit: Bool
    public var credentialsFile: ProfileFile
    public var configFile: ProfileFile

    public init(profileName: String, profileExplicit: Bool, credentialsFile: ProfileFile, configFile: ProfileFile) {
        self.profileName = profileName
        self.profileExplicit = profileExplicit
        self.credentialsFile = credentialsFile
        self.configFile = configFile
    }

    /// Reads `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`) and `AWS_CONFIG_FILE`
    /// (default `~/.aws/config`), with `~` taken from `HOME` in `environment`.
    public static func load(environment: [String: String], profile: String? = nil) -> SharedConfig {
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
        func path(_ variable: String, default relative: String) -> String? {
            if let value = environment[variable], !value.isEmpty { return expandTilde(value, home: home) }
            return home.map { $0 + "/" + relative }
        }
        let named =
            profile ?? environment["AWS_PROFILE"].nonEmptySetting ?? environment["AWS_DEFAULT_PROFILE"].nonEmptySetting
        return SharedConfig(
            profileName: named ?? "default", profileExplicit: named != nil,
            credentialsFile: read(path("AWS_SHARED_CREDENTIALS_FILE", default: ".aws/credentials")),
            configFile: read(path("AWS_CONFIG_FILE", default: ".aws/config")))
    }

    /// The profile's section in the credentials file, if any.
    public var credentialsSection: [String: String]? { credentialsFile.credentialsProfile(profileName) }
    /// The profile's section in the config file, if any.
    public var configSection: [String: String]? { configFile.configProfile(profileName) }

    /// A setting of the profile, preferring the credentials file as botocore does for keys.
    public func value(_ key: String) -> String? {
        (credentialsSection?[key]).nonEmptySetting ?? (configSection?[key]).nonEmptySetting
    }

    private static func read(_ path: String?) -> ProfileFile {
        guard let path, let data = FileManager.default.contents(atPath: path) else { return ProfileFile() }
        return ProfileFile(parsing: String(decoding: data, as: UTF8.self))
    }

    private static func expandTilde(_ path: String, home: String?) -> String {
        guard path.hasPrefix("~/"), let home else { return path }
        return home + path.dropFirst()
    }
}

extension Optional where Wrapped == String {
    /// The value unless it is nil or empty (an empty variable or setting counts as unset).
    var nonEmptySetting: String? {
        guard let value = self, !value.isEmpty else { return nil }
        return value
    }
}
