import Foundation

/// The operations page's key table, rendered from the declarations (a test keeps
/// docs/operations.md equal to it).
extension ConfigurationKeys {
    /// One Markdown row per key: key, default, allowed values, whether a reload applies it, help.
    public static var markdownTable: String {
        var lines = [
            "| Key | Default | Allowed | Reload | Meaning |",
            "|---|---|---|---|---|",
        ]
        for key in all {
            let cells = [
                "`\(key.name)`", key.defaultDescription, key.allowed, key.reloadable ? "yes" : "restart", key.help,
            ]
            // A `|` inside a cell would split it.
            lines.append(
                "| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
