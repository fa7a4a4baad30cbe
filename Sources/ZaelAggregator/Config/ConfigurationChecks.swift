import Foundation

/// Value checks shared by key declarations: each returns what is wrong with a value (the text
/// after "key …: "), or `nil` when it is fine.
enum ConfigurationChecks {
    /// Region names: lower-case letters, digits and `-`.
    @Sendable static func region(_ region: String?) -> String? {
        guard let region,
            !region.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" })
        else { return nil }
        return "\"\(region)\" is not a region name; allowed: lower-case letters, digits and -, e.g. \"eu-west-1\""
    }

    /// An http(s) URL with a host; `example` is shown in the message.
    static func httpURL(_ text: String?, example: String) -> String? {
        guard let text else { return nil }
        if let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        {
            return nil
        }
        return
            "\"\(SecretMasking.mask(text))\" is not an http(s) URL; allowed: a URL such as \(example)"
    }

    /// A DynamoDB stream ARN.
    @Sendable static func streamARN(_ arn: String?) -> String? {
        guard let arn, !(arn.hasPrefix("arn:") && arn.contains(":table/") && arn.contains("/stream/")) else {
            return nil
        }
        return
            "\"\(arn)\" is not a DynamoDB stream ARN; allowed: arn:…:table/NAME/stream/LABEL, or leave unset for the table's latest stream"
    }

    /// DynamoDB table names: 3–255 characters of A–Z, a–z, 0–9, `_`, `-`, `.`.
    @Sendable static func tableName(_ name: String) -> String? {
        let valid =
            (3...255).contains(name.utf8.count)
            && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0))
            }
        if valid { return nil }
        return "\"\(name)\" is not a DynamoDB table name; allowed: 3 to 255 characters of A-Z, a-z, 0-9, _, - and ."
    }

    /// S3 bucket names (the stack's AuditArchiveBucketName).
    @Sendable static func bucketName(_ bucket: String?) -> String? {
        guard let bucket else { return nil }
        let allowed = bucket.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "-._".unicodeScalars.contains($0)
        }
        if (3...63).contains(bucket.utf8.count) && allowed { return nil }
        return
            "\"\(bucket)\" is not an S3 bucket name; allowed: 3 to 63 characters of a-z, 0-9, - and . (the stack's AuditArchiveBucketName), or \"\" for off"
    }

    /// A prefix that can start S3 keys.
    @Sendable static func keyPrefix(_ prefix: String) -> String? {
        guard
            prefix.utf8.count > 512 || prefix.hasPrefix("/")
                || prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        else { return nil }
        return
            "\"\(prefix)\" cannot start S3 keys; allowed: up to 512 bytes, no leading /, no control characters, e.g. \"audit/\""
    }

    /// `HOST:PORT`, with IPv6 hosts in brackets.
    @Sendable static func hostPort(_ text: String?) -> String? {
        guard let text, !isHostPort(text) else { return nil }
        return
            "\"\(text)\" is not HOST:PORT; allowed: \"\" (off) or an address such as \"127.0.0.1:9464\" or \"[::1]:9464\""
    }

    /// `sockaddr_un` holds 108 bytes including the terminating NUL.
    static func socketPath(_ path: String) -> String? {
        guard path.utf8.count > 107 else { return nil }
        return "the path is \(path.utf8.count) bytes long; allowed: at most 107 bytes (an AF_UNIX socket path)"
    }

    private static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        guard let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port), !host.isEmpty else {
            return false
        }
        if host.hasPrefix("[") { return host.hasSuffix("]") && host.count > 2 }
        return !host.contains(":")
    }
}
