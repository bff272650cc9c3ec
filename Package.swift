// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Tandem",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tandem", targets: ["tandem"]),
        .library(name: "TandemCore", targets: ["TandemCore"]),
        .library(name: "TandemFormats", targets: ["TandemFormats"]),
        .library(name: "TandemRenderers", targets: ["TandemRenderers"]),
        .library(name: "TandemRuntime", targets: ["TandemRuntime"]),
    ],
    traits: [
        .trait(
            name: "PostgreSQL",
            description:
                "The catalog on a PostgreSQL server as well as on SQLite. Without it (scripts/quickstart.sh) PostgresNIO, swift-crypto and their packages are not built."
        ),
        .default(enabledTraits: ["PostgreSQL"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.0"),
        // The catalog only: the server, its two stores and the CLI's HTTP client. Nothing in the runtime,
        // the readers or the renderers depends on them.
        // Without its default traits: swift-configuration support is not used, and costs a package to build.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.86.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.34.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
        // The catalog's web page: server-side templates that escape every value.
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.0"),
    ],
    targets: [
        // The format-independent model, diagnostics and validation. No dependencies on purpose.
        .target(name: "TandemCore"),
        // Readers and writers for the input formats, with source locations, and the JSON Schemas.
        .target(
            name: "TandemFormats",
            dependencies: ["TandemCore", .product(name: "Yams", package: "Yams")]
        ),
        // Pure functions from the model to each engine's files, one folder per engine.
        .target(name: "TandemRenderers", dependencies: ["TandemCore", "TandemFormats"]),
        // What Swift cannot call directly: fork/exec into a new session with a parent-death signal, prctl.
        .target(name: "CTandemSystem"),
        // The supervisor that runs a service and its sidecars on one machine.
        .target(name: "TandemRuntime", dependencies: ["TandemCore", "CTandemSystem"]),
        // `tandem stage`: Cloud Foundry's buildpack lifecycle run here (the buildpacks' own scripts), into a droplet.
        .target(name: "TandemStaging", dependencies: ["TandemCore", "TandemFormats", "TandemRuntime"]),
        // The supervising process `tandem run` execs into: the runtime only, so that what stays resident
        // beside the children is small (no readers, renderers or their dependencies).
        .executableTarget(name: "tandem-supervisor", dependencies: ["TandemRuntime"]),
        // The catalog's model: stored items, apply outcomes, revisions, tokens, the store protocol and the
        // rules that decide Created / Updated / Unchanged. No I/O.
        .target(
            name: "TandemCatalog",
            dependencies: ["TandemCore", "TandemFormats"]
        ),
        // The embedded default store, on one SQLite file.
        .target(
            name: "TandemCatalogSQLite",
            dependencies: ["TandemCatalog", .product(name: "SQLiteNIO", package: "sqlite-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        // The same store on a PostgreSQL server.
        .target(
            name: "TandemCatalogPostgres",
            dependencies: ["TandemCatalog", .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log")]
        ),
        // The HTTP API (miactl's marketplace routes) over any store, and the catalog's web page (its "use
        // it" snippets come from Tandem's own writers and renderers).
        .target(
            name: "TandemCatalogServer",
            dependencies: [
                "TandemCatalog", "TandemFormats", "TandemRenderers", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"), .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // What `tandem marketplace` uses to talk to a catalog server.
        .target(
            name: "TandemCatalogClient",
            dependencies: [
                "TandemCatalog", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // What the catalog reads from strangers, for libFuzzer (scripts/fuzz.sh); built normally, a replayer of inputs.
        .target(name: "CTandemFuzz"),
        .executableTarget(name: "tandem-fuzz", dependencies: ["CTandemFuzz", "TandemCatalog", "TandemFormats", "TandemCore"]),
        // The command tree; one folder per noun, one file per subcommand.
        .target(
            name: "TandemCLI",
            dependencies: [
                "TandemCore", "TandemFormats", "TandemRenderers", "TandemRuntime", "TandemStaging",
                "TandemCatalog", "TandemCatalogSQLite", "TandemCatalogServer", "TandemCatalogClient",
                .target(name: "TandemCatalogPostgres", condition: .when(traits: ["PostgreSQL"])),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "tandem",
            dependencies: ["TandemCLI"]
        ),
        // In-memory throughput of the readers (scripts/bench.sh); not part of the product.
        .executableTarget(name: "tandem-bench", dependencies: ["TandemCore", "TandemFormats", "TandemRenderers"], path: "Benchmarks/TandemBench"),
        // Helpers shared by the test targets (a seeded generator, waiting for a process to end).
        .target(name: "TandemTestSupport", path: "Tests/TandemTestSupport"),
        .testTarget(name: "TandemCoreTests", dependencies: ["TandemCore", "TandemTestSupport"]),
        .testTarget(name: "TandemFormatsTests", dependencies: ["TandemCore", "TandemFormats"]),
        .testTarget(name: "TandemRenderersTests", dependencies: ["TandemCore", "TandemFormats", "TandemRenderers", "TandemTestSupport"], exclude: ["Golden"]),
        .testTarget(
            name: "TandemRuntimeTests", dependencies: ["TandemCore", "TandemFormats", "TandemRuntime", "TandemTestSupport"], exclude: ["Golden"]),
        .testTarget(
            name: "TandemCatalogTests",
            dependencies: [
                "TandemCatalog", "TandemCatalogSQLite", "TandemCatalogPostgres", "TandemCatalogServer", "TandemCatalogClient",
                "TandemTestSupport", .product(name: "Logging", package: "swift-log"),
                // Only to check the catalog's own SHA-256 against swift-crypto's.
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "TandemCLITests", dependencies: ["TandemCLI", "TandemCore", "TandemFormats", "TandemCatalog", "TandemCatalogClient", "TandemTestSupport"],
            exclude: ["Fixtures", "Golden"]),
    ],
    swiftLanguageModes: [.v6]
)

for target in package.targets {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    settings.append(.enableUpcomingFeature("MemberImportVisibility"))
    target.swiftSettings = settings
}
