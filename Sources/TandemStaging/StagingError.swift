/// Why a staging failed, in the buildpack lifecycle's words (its messages and exit codes), with the
/// buildpack and script it concerns.
public struct StagingError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The lifecycle's `DetectFailMsg`, exit 222.
        case detect
        /// `CompileFailMsg`, 223.
        case compile
        /// `ReleaseFailMsg`, 224.
        case release
        /// `SupplyFailMsg` and `NoSupplyScriptFailMsg`, 225.
        case supply
        /// `FinalizeFailMsg`, 226.
        case finalize
        /// A buildpack, app folder or output folder that cannot be used, before any script runs.
        case input
        /// Stopped by SIGINT or SIGTERM.
        case interrupted
        /// What the scripts left cannot be read (launch.yml, Procfile), or the droplet cannot be written.
        case output
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The lifecycle's exit code for the same failure (builder's ExitCodeFromError).
    public var lifecycleExitCode: Int32 {
        switch code {
        case .detect: 222
        case .compile: 223
        case .release: 224
        case .supply: 225
        case .finalize: 226
        case .input, .output: 1
        case .interrupted: 130
        }
    }

    static let detectFailed = "None of the buildpacks detected a compatible application"
    static let compileFailed = "Failed to compile droplet"
    static let releaseFailed = "Failed to build droplet release"
    static let supplyFailed = "Failed to run all supply scripts"
    static let noSupplyScript =
        "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps"
    static let missingFinalize =
        "Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it"
    static let finalizeFailed = "Failed to run finalize script"
}
