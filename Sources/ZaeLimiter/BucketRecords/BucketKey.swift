/// The bucket a NewImage's keys name, found as the reference's `_parse_bucket_record` and
/// `parse_bucket_pk` find it, on UTF-8 bytes (the delimiters are ASCII, so a byte split is
/// Python's code-point split).
enum BucketKey: Equatable {
    case bucket(namespace: String, entity: String, resource: String)
    case notBucket
    case noEntityId

    /// - `{ns}/BUCKET#{entity}#{resource}#{shard}` (any SK): the shard is after the last `#`
    ///   and must be an integer, the entity before the first `#` of the rest;
    /// - else `{ns}/…` with `SK=#BUCKET#{resource}`: the entity is the `entity_id` attribute.
    init(partitionKey: String, sortKey: String, entityAttribute: String) {
        var partitionKey = partitionKey
        var sortKey = sortKey
        var entityAttribute = entityAttribute
        self = partitionKey.withUTF8 { pk in
            sortKey.withUTF8 { sk in
                entityAttribute.withUTF8 { Self(partitionKey: pk, sortKey: sk, entityAttribute: $0) }
            }
        }
    }

    /// The same split on UTF-8 bytes (of a lazily decoded image).
    init(
        partitionKey pk: UnsafeBufferPointer<UInt8>, sortKey sk: UnsafeBufferPointer<UInt8>,
        entityAttribute: UnsafeBufferPointer<UInt8>
    ) {
        self = Self.split(pk, sk, entityAttribute: entityAttribute)
    }

    private static func split(
        _ pk: UnsafeBufferPointer<UInt8>, _ sk: UnsafeBufferPointer<UInt8>, entityAttribute: UnsafeBufferPointer<UInt8>
    ) -> BucketKey {
        guard let slash = pk.firstIndex(of: UInt8(ascii: "/")) else { return .notBucket }
        let namespace = text(pk, 0..<slash)
        let restStart = slash + 1 + ZaeLimiterSchema.bucketPrefix.utf8.count
        if pk.count >= restStart, pk[(slash + 1)..<restStart].elementsEqual(ZaeLimiterSchema.bucketPrefix.utf8) {
            guard let lastHash = pk[restStart...].lastIndex(of: UInt8(ascii: "#")) else { return .notBucket }
            let shard = UnsafeBufferPointer(rebasing: pk[(lastHash + 1)...])
            if case .failure(.notAnInteger) = PythonInteger.parse(bytes: shard) { return .notBucket }
            guard let firstHash = pk[restStart..<lastHash].firstIndex(of: UInt8(ascii: "#")) else {
                return .notBucket
            }
            return .bucket(
                namespace: namespace, entity: text(pk, restStart..<firstHash),
                resource: text(pk, (firstHash + 1)..<lastHash))
        }
        let prefixLength = ZaeLimiterSchema.sortKeyBucketPrefix.utf8.count
        guard sk.count > prefixLength, sk[0..<prefixLength].elementsEqual(ZaeLimiterSchema.sortKeyBucketPrefix.utf8)
        else { return .notBucket }
        guard !entityAttribute.isEmpty else { return .noEntityId }
        return .bucket(
            namespace: namespace, entity: text(entityAttribute, 0..<entityAttribute.count),
            resource: text(sk, prefixLength..<sk.count))
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
