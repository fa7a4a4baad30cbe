/// The release version, shown by `zael-aggregator --version`.
enum Version {
    static let current = "0.1.0"
}
