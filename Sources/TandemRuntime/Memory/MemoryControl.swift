import Glibc
import Synchronization

/// Numbers the runs of one process, so that two supervisors in it never share a cgroup.
private let runCounter = Atomic<Int>(0)

/// How a process's memory limit is enforced on this machine, best first: a cgroup of its own (v2
/// `memory.max`, or v1 `memory.limit_in_bytes`), where the kernel kills it and counts an OOM kill; else
/// polling its process group's resident memory and killing the group above the limit.
public enum MemoryControl: Sendable, Equatable, CustomStringConvertible {
    /// Each process gets a group under `folder` (a cgroup Tandem created inside its own).
    case cgroupV2(folder: String)
    case cgroupV1(folder: String)
    /// Checks every `period` and kills a group above its limit.
    case polling(period: Duration)

    public var description: String {
        switch self {
        case .cgroupV2(let folder): "cgroup v2 memory.max under \(folder)"
        case .cgroupV1(let folder): "cgroup v1 memory.limit_in_bytes under \(folder)"
        case .polling(let period): "polling the resident memory every \(Supervisor.format(period))"
        }
    }

    /// Creates Tandem's own memory cgroup for this run (named after `unit`, the pid and the run) inside the one
    /// this process is in, on cgroup v2 where the memory controller is delegated, else on v1; polling
    /// when neither can be written.
    /// `groupName`: the unit's cgroup name (the same as its containment group's, so that on cgroup v2 the
    /// two are one folder).
    public static func detect(
        unit: String, groupName: String? = nil, cgroupRoot: String = "/sys/fs/cgroup", pollPeriod: Duration = .milliseconds(100)
    ) -> MemoryControl {
        let run = runCounter.add(1, ordering: .relaxed).newValue
        let name = groupName ?? "tandem-\(fileNameComponent(unit))-\(getpid())" + (run > 1 ? "-\(run)" : "")
        for membership in CgroupMembership.current() {
            let path = membership.path
            if membership.isV2, readFile(cgroupRoot + "/cgroup.controllers") != nil {
                // v2: a child group can use the memory controller only if the parent delegates it.
                let parent = cgroupRoot + path
                let controllers = readFile(parent + "/cgroup.subtree_control").map { String(decoding: $0, as: UTF8.self) } ?? ""
                let delegated = controllers.split(separator: " ").contains { $0.hasPrefix("memory") }
                if delegated || writeText(parent + "/cgroup.subtree_control", "+memory") {
                    let folder = parent + "/" + name
                    if mkdir(folder, 0o755) == 0 || errno == EEXIST {
                        if writeText(folder + "/cgroup.subtree_control", "+memory") { return .cgroupV2(folder: folder) }
                        rmdir(folder)
                    }
                }
            }
            if membership.controllers.contains("memory") {
                let mount = cgroupRoot + "/memory"
                // The hierarchy may show this process's group, or (in some containers) only its own root.
                var parent = mount + path
                if access(parent, W_OK) != 0 { parent = mount }
                let folder = parent + "/" + name
                if access(mount + "/memory.limit_in_bytes", R_OK) == 0, mkdir(folder, 0o755) == 0 || errno == EEXIST {
                    return .cgroupV1(folder: folder)
                }
            }
        }
        return .polling(period: pollPeriod)
    }

    /// The run's memory cgroup folder, for the keeper to remove after a killed supervisor.
    var folder: CgroupFolder? {
        switch self {
        case .cgroupV2(let folder): CgroupFolder(path: folder, version: 2)
        case .cgroupV1(let folder): CgroupFolder(path: folder, version: 1)
        case .polling: nil
        }
    }

    /// Whether each process gets a cgroup (rather than being polled).
    var usesCgroups: Bool {
        if case .polling = self { return false }
        return true
    }

    /// Makes the group for `process` with a limit of `mebibytes`; returns its folder, or nil when the
    /// limit cannot be set (the caller falls back to polling for it).
    func prepareGroup(for process: String, mebibytes: Int) -> String? {
        let bytes = String(mebibytes * 1_048_576)
        switch self {
        case .cgroupV2(let folder):
            let group = folder + "/" + fileNameComponent(process)
            guard mkdir(group, 0o755) == 0 || errno == EEXIST, writeText(group + "/memory.max", bytes) else { return nil }
            // Without swap a limit means what it says.
            _ = writeText(group + "/memory.swap.max", "0")
            return group
        case .cgroupV1(let folder):
            let group = folder + "/" + fileNameComponent(process)
            guard mkdir(group, 0o755) == 0 || errno == EEXIST else { return nil }
            // memory+swap may not go below memory: lower the memory limit first, raise it last.
            _ = writeText(group + "/memory.memsw.limit_in_bytes", "-1")
            guard writeText(group + "/memory.limit_in_bytes", bytes) else { return nil }
            _ = writeText(group + "/memory.memsw.limit_in_bytes", bytes)
            return group
        case .polling:
            return nil
        }
    }

    /// How many times the kernel has OOM-killed in `group` (v2 `memory.events`, v1 `memory.oom_control`).
    func oomKills(in group: String) -> Int {
        let file: String
        switch self {
        case .cgroupV2: file = group + "/memory.events"
        case .cgroupV1: file = group + "/memory.oom_control"
        case .polling: return 0
        }
        guard let bytes = readFile(file) else { return 0 }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ")
            if fields.count == 2, fields[0] == "oom_kill" { return Int(fields[1]) ?? 0 }
        }
        return 0
    }

    /// Removes the groups this run made (each is empty once its processes are gone).
    func removeGroups(_ groups: [String]) {
        for group in groups { rmdir(group) }
        switch self {
        case .cgroupV2(let folder), .cgroupV1(let folder): rmdir(folder)
        case .polling: break
        }
    }
}

/// The resident memory, in bytes, of every process in the process group `group` (what a process and
/// whatever it forked hold), read from /proc.
public func residentBytes(ofGroup group: pid_t) -> Int {
    let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    var total = 0
    for name in directoryEntries("/proc") ?? [] {
        // state ppid pgrp ... ; rss (field 24 of stat, in pages) is the 22nd after the command.
        guard let pid = Int32(name), let fields = processStatFields(pid), fields.count > 22, Int32(fields[2]) == group else { continue }
        total += (Int(fields[21]) ?? 0) * pageSize
    }
    return total
}

/// The fields of /proc/PID/stat after the command (which may hold spaces and parentheses): state, ppid,
/// pgrp, ...; nil when the process is gone.
func processStatFields(_ pid: pid_t) -> [Substring]? {
    guard let stat = readFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: UInt8(ascii: ")")), close + 2 <= stat.count else { return nil }
    return String(decoding: stat[(close + 2)...], as: UTF8.self).split(separator: " ")
}

/// Writes `text` to a control file (cgroup files take one write); true when the kernel accepted it.
func writeText(_ path: String, _ text: String) -> Bool {
    let descriptor = open(path, O_WRONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return false }
    defer { close(descriptor) }
    return writeAll(descriptor, Array(text.utf8))
}
