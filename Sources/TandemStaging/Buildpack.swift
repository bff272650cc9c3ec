import Foundation

/// A buildpack as given on the command line: a folder, or a zip file unpacked for the staging. Its root
/// is the folder with `bin/`, or the one folder inside it that has one (a zip of a repository's folder),
/// as the lifecycle looks for it.
struct Buildpack: Sendable {
    /// As given (the lifecycle's buildpack key).
    var key: String
    /// For messages and metadata: the folder's or zip's name.
    var name: String
    /// The folder holding `bin/`.
    var root: String
    /// The buildpack's `VERSION` file, when it has one.
    var version: String?

    /// Where `bin/NAME` is, when the buildpack has it as a file.
    func script(_ script: String) -> String? {
        let path = root + "/bin/" + script
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        return path
    }

    /// Finds the buildpack at `path`; a zip is unpacked under `work` (with `unzip`, which keeps the
    /// scripts' modes).
    static func resolve(_ path: String, unpackingInto work: String) throws -> Buildpack {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw StagingError(.input, "buildpack \(path): no such file or folder")
        }
        let base = (path as NSString).lastPathComponent
        // Scripts run in the app's folder: the buildpack's own paths must not depend on ours.
        var folder = absolutePath(path)
        var name = base
        if !isDirectory.boolValue {
            guard base.lowercased().hasSuffix(".zip") else {
                throw StagingError(.input, "buildpack \(path): expected a folder or a .zip file")
            }
            name = String(base.dropLast(4))
            folder = work + "/" + String(format: "%03d", (try? fileManager.contentsOfDirectory(atPath: work).count) ?? 0) + "-" + name
            try fileManager.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try unzip(path, into: folder)
        }
        guard let root = binFolder(in: folder) else {
            // The lifecycle's words.
            throw StagingError(.input, "malformed buildpack does not contain a /bin dir: \(path)")
        }
        let version = (try? String(contentsOfFile: root + "/VERSION", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return Buildpack(key: path, name: name, root: root, version: version?.isEmpty == false ? version : nil)
    }

    private static func binFolder(in folder: String) -> String? {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder + "/bin", isDirectory: &isDirectory), isDirectory.boolValue { return folder }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        guard entries.count == 1 else { return nil }
        let nested = folder + "/" + entries[0]
        if FileManager.default.fileExists(atPath: nested + "/bin", isDirectory: &isDirectory), isDirectory.boolValue { return nested }
        return nil
    }

    private static func unzip(_ zip: String, into folder: String) throws {
        guard let unzip = ["/usr/bin/unzip", "/bin/unzip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw StagingError(.input, "buildpack \(zip): unpacking a zipped buildpack needs unzip (apt-get install unzip), or give its folder")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: unzip)
        process.arguments = ["-q", "-o", zip, "-d", folder]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw StagingError(
                .input, "buildpack \(zip): cannot unpack it (unzip exited with code \(process.terminationStatus)\(text.isEmpty ? "" : ": " + text))")
        }
    }
}

/// `path` from the current folder, standardized: scripts run elsewhere (in the app's folder), so every path
/// given on the command line is made absolute first.
func absolutePath(_ path: String) -> String {
    let joined = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return (joined as NSString).standardizingPath
}
