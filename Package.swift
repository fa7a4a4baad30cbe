// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "zael-aggregator",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "zael-aggregator", targets: ["ZaelAggregator"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
    ],
    targets: [
        // System libraries: module maps plus typed inline shims over the C APIs.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        .target(
            name: "AWSCore",
            dependencies: [
                "CCurl", "COpenSSL",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .target(
            name: "AWSDynamoDB",
            dependencies: ["AWSCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "AWSS3",
            dependencies: ["AWSCore", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .target(
            name: "StreamConsumer",
            dependencies: [
                "AWSCore", "AWSDynamoDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .target(
            name: "StreamConsumerTestKit",
            dependencies: ["StreamConsumer", "AWSDynamoDB", "AWSCore"],
            swiftSettings: strict),
        .target(
            name: "ZaeLimiter",
            dependencies: [
                "StreamConsumer", "AWSDynamoDB", "AWSS3", "AWSCore", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .target(name: "TestPeers", swiftSettings: strict),
        .target(
            name: "Observability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .target(
            name: "SystemdSupport",
            dependencies: ["CSystemd", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .executableTarget(
            name: "ZaelAggregator",
            dependencies: [
                "AWSCore", "AWSDynamoDB", "AWSS3", "StreamConsumer", "ZaeLimiter", "SystemdSupport", "Observability",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "Benchmarks",
            dependencies: [
                "AWSCore", "AWSDynamoDB", "ZaeLimiter", "StreamConsumer", "TestPeers",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks",
            // A separate probe package (its own Package.swift), never part of this build.
            exclude: ["ecosystem"],
            swiftSettings: strict),

        .testTarget(
            name: "AWSCoreTests",
            dependencies: ["TestPeers", "AWSCore", .product(name: "InMemoryLogging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "AWSDynamoDBTests", dependencies: ["TestPeers", "AWSDynamoDB", "AWSCore"], swiftSettings: strict),
        .testTarget(name: "AWSS3Tests", dependencies: ["TestPeers", "AWSS3", "AWSCore"], swiftSettings: strict),
        .testTarget(
            name: "StreamConsumerTests",
            dependencies: [
                "TestPeers", "StreamConsumer", "StreamConsumerTestKit", "AWSDynamoDB", "AWSCore",
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "ZaeLimiterTests",
            dependencies: [
                "TestPeers", "ZaeLimiter", "StreamConsumer", "StreamConsumerTestKit", "AWSDynamoDB", "AWSS3", "AWSCore",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "SystemdSupportTests",
            dependencies: ["TestPeers", "SystemdSupport", .product(name: "InMemoryLogging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "ObservabilityTests", dependencies: ["TestPeers", "Observability"], swiftSettings: strict),
        .testTarget(
            name: "ZaelAggregatorTests", dependencies: ["TestPeers", "ZaelAggregator", "ZaeLimiter"],
            swiftSettings: strict),
    ]
)
