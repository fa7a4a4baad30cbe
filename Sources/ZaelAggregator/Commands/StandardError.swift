import Foundation

/// Writes a line to stderr (problems and fatal errors, before or instead of logging).
func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
