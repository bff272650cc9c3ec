import Glibc
import TandemCore

/// The config-map files of a run, written under a private folder of their own before anything starts
/// and removed when the unit ends. A process finds a mounted config map's files in the folder named by
/// `TANDEM_CONFIG_<VOLUME>` (`proxy-config` → `TANDEM_CONFIG_PROXY_CONFIG`), since a process on this
/// machine cannot see the mount path a container would.
public struct ConfigFiles: Sendable, Codable, Equatable {
    public struct File: Sendable, Codable, Equatable {
        /// `VOLUME/FILE`: two plain names, checked so that nothing is written outside the folder.
        public var relativePath: String
        public var content: String
        public var readOnly: Bool
    }

    /// The run's folder: created 0700 by the supervisor, which refuses one that already exists.
    public var root: String
    public var files: [File]

    /// The variable that names the folder of one config volume.
    public static func variable(volume: String) -> String {
        "TANDEM_CONFIG_" + String(volume.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// A file or folder name that stays where it is put: not empty, not `.` or `..`, no `/` or NUL.
    static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.utf8.contains(0)
    }

    /// Writes every file; on a failure, removes what it wrote and says why.
    func write() -> String? {
        if let failure = makePrivateFolder(root) { return "cannot create the config folder \(root): \(failure)" }
        var folders = Set<String>()
        for file in files {
            let parts = file.relativePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, parts.allSatisfy(Self.isPlainName) else {
                remove()
                return "config file \(file.relativePath) would leave the run's folder"
            }
            let folder = root + "/" + parts[0]
            if folders.insert(folder).inserted, mkdir(folder, 0o700) != 0 {
                let reason = String(cString: strerror(errno))
                remove()
                return "cannot create \(folder): \(reason)"
            }
            let path = folder + "/" + parts[1]
            // O_EXCL and O_NOFOLLOW: a file is created here, never written through a link or over another.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file.readOnly ? 0o400 : 0o600)
            guard descriptor >= 0, writeAll(descriptor, Array(file.content.utf8)) else {
                let reason = String(cString: strerror(errno))
                if descriptor >= 0 { close(descriptor) }
                remove()
                return "cannot write \(path): \(reason)"
            }
            close(descriptor)
        }
        return nil
    }

    /// Removes the files and folders of this run, and only those.
    func remove() {
        var folders = Set<String>()
        for file in files {
            let parts = file.relativePath.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, parts.allSatisfy(Self.isPlainName) else { continue }
            unlink(root + "/" + file.relativePath)
            folders.insert(root + "/" + parts[0])
        }
        for folder in folders { rmdir(folder) }
        rmdir(root)
    }
}
