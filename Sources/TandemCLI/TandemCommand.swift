import ArgumentParser
import Foundation

/// The root of `tandem`: define a sidecar once, publish it, run it beside an app, deploy it anywhere.
public struct TandemCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tandem",
        abstract: "Define sidecars once; check, convert, run and deploy them.",
        version: TandemVersion.current,
        subcommands: [
            ValidateCommand.self, RunCommand.self, PsCommand.self, LogsCommand.self, WhyCommand.self, StopCommand.self, RestartCommand.self,
            ConvertCommand.self, InspectCommand.self,
            RenderCommand.self, GraphCommand.self, TimelineCommand.self, StageCommand.self,
            SchemaCommand.self,
            CatalogCommand.self, MarketplaceCommand.self, ContextCommand.self,
        ]
    )

    public init() {}

    /// Parses and runs, with Tandem's exit statuses: 0 success, 1 invalid input, 2 usage or unreadable input.
    public static func runMain(_ arguments: [String]? = nil) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version.
                print(fullMessage(for: error))
                return 0
            }
            if let exit = error as? ExitCode { return exit.rawValue }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            return code == .validationFailure ? 2 : code.rawValue
        }
    }
}

public enum TandemVersion {
    public static let current = "0.1.0"
}

/// Statuses shared by every subcommand.
enum ExitStatus {
    static let invalid = ExitCode(1)
    static let usage = ExitCode(2)
}

func writeError(_ message: String) {
    FileHandle.standardError.write(Data((message.hasSuffix("\n") ? message : message + "\n").utf8))
}

func writeOutput(_ text: String) {
    FileHandle.standardOutput.write(Data((text.hasSuffix("\n") || text.isEmpty ? text : text + "\n").utf8))
}

/// What a command makes, to standard output or, with `--out PATH`, written whole into that file (a
/// failure ends the command with exit status 2).
func writeResult(_ text: String, to path: String?) throws {
    guard let path else { return writeOutput(text) }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        writeError("Error: cannot write \(path): \(error.localizedDescription)")
        throw ExitStatus.usage
    }
}
