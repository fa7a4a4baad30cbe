/// Finds the AWS region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the selected profile's `region`
/// in the shared config file, then EC2 instance metadata (`/latest/meta-data/placement/region`).
public enum RegionResolver {
    /// Where a resolved region came from, for logs and the status command.
    public enum Source: String, Sendable {
        case environment, profile, instanceMetadata
    }

    /// The region and its source. Throws `AWSError` (kind `.fatal`, code `NoRegion`) when no
    /// source has one, or `InvalidRegion` when the value found is not a region name (it goes into
    /// host names, so only `a-z`, `0-9` and `-` are accepted).
    public static func resolve(
        environment: [String: String], imds: InstanceMetadataClient?
    ) throws -> (region: String, source: Source) {
        if let region = environment["AWS_REGION"].nonEmptySetting ?? environment["AWS_DEFAULT_REGION"].nonEmptySetting {
            return (try validated(region), .environment)
        }
        let shared = SharedConfig.load(environment: environment)
        if let region = (shared.configSection?["region"]).nonEmptySetting {
            return (try validated(region), .profile)
        }
        var imdsProblem = "disabled"
        if let imds {
            do {
                let region = try imds.get("/latest/meta-data/placement/region").trimmingCharacters(in: " \n\r\t")
                return (try validated(region), .instanceMetadata)
            } catch let error as AWSError where error.code == "InvalidRegion" {
                throw error
            } catch {
                imdsProblem = "\(error)"
            }
        }
        throw AWSError(
            kind: .fatal, code: "NoRegion",
            message: "set AWS_REGION or a profile region (instance metadata: \(imdsProblem))",
            operation: "ResolveRegion")
    }

    static func validated(_ region: String) throws -> String {
        let ok =
            !region.isEmpty
            && region.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                    || $0 == UInt8(ascii: "-")
            }
        guard ok else {
            throw AWSError(
                kind: .fatal, code: "InvalidRegion", message: "not a region name: \(region.prefix(64))",
                operation: "ResolveRegion")
        }
        return region
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: String) -> String {
        guard let first = firstIndex(where: { !set.contains($0) }), let last = lastIndex(where: { !set.contains($0) })
        else { return "" }
        return String(self[first...last])
    }
}
