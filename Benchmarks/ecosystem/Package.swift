// swift-tools-version:6.2
// A probe package, not part of the daemon's build: small executables that each do one thing the
// daemon does, with an ecosystem library and with the daemon's own code, so that binary size,
// start-up, RSS and threads can be compared (see `measure` and docs/architecture.md).
// The daemon's own code is linked through symbolic links into the repository's Sources
// (OursObservability, OursTOML): the same files, not copies.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "ecosystem-probes",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-configuration", exact: "1.4.0", traits: [.defaults]),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        // FilePath, which swift-configuration's FileProvider takes (resolved by it anyway).
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        .target(name: "ProbeSupport", swiftSettings: strict),
        .target(
            name: "OursObservability",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .target(name: "OursTOML", swiftSettings: strict),
        .target(
            name: "MetricWorkload",
            dependencies: ["ProbeSupport", .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict),

        .executableTarget(name: "baseline", dependencies: ["ProbeSupport"], swiftSettings: strict),
        .executableTarget(
            name: "lifecycle-dispatch", dependencies: ["ProbeSupport"], swiftSettings: strict),
        .executableTarget(
            name: "lifecycle-servicegroup",
            dependencies: [
                "ProbeSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "prometheus-ours",
            dependencies: [
                "ProbeSupport", "MetricWorkload", "OursObservability",
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "prometheus-swift",
            dependencies: [
                "ProbeSupport", "MetricWorkload",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict),
        .executableTarget(
            name: "config-swift",
            dependencies: [
                "ProbeSupport", .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict),
        .executableTarget(name: "toml-ours", dependencies: ["ProbeSupport", "OursTOML"], swiftSettings: strict),
        .executableTarget(
            name: "toml-kit", dependencies: ["ProbeSupport", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict),
    ]
)
