import CTandemSystem
import Dispatch
import Glibc
import Synchronization

/// How far `tandem run` goes to keep a unit's processes together, so that none outlives it.
public enum ContainmentMode: String, Sendable, Codable, CaseIterable {
    /// A cgroup for the unit and, where this process may make one (root), a PID namespace whose init is
    /// the unit's keeper.
    case auto
    /// The cgroup only: processes keep seeing the host's process ids.
    case cgroup
    /// Neither: process groups, the parent-death signal and the subreaper, as before containment.
    case none
}

/// A cgroup folder and the version of its hierarchy (1 or 2).
public struct CgroupFolder: Sendable, Equatable {
    public var path: String
    public var version: Int32
}

/// One line of /proc/self/cgroup: a hierarchy (v2's has id 0 and no controllers) and this process's
/// group in it, "" at its root.
struct CgroupMembership {
    var isV2: Bool
    var controllers: [Substring]
    var path: String

    static func current() -> [CgroupMembership] {
        let text = readFile("/proc/self/cgroup").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { return nil }
            return CgroupMembership(
                isV2: parts[0] == "0" && parts[1].isEmpty, controllers: parts[1].split(separator: ","), path: parts[2] == "/" ? "" : String(parts[2]))
        }
    }
}

/// What holds a unit's processes together: a cgroup of its own (every process in a group of its own
/// below it, so that what a process leaves behind, however it detached, goes when it ends, and
/// everything goes when the unit ends), and the keeper, a small process that outlives a killed
/// supervisor just long enough to kill the unit and remove its cgroups; where this process may, the
/// keeper is also the init of a PID namespace holding the unit, so that the kernel ends every process in
/// it when the keeper ends.
final class Containment: Sendable {
    let mode: ContainmentMode
    /// The unit's own cgroup, nil where none could be made.
    let unitGroup: CgroupFolder?
    /// Why there is no cgroup, when there is none.
    let cgroupProblem: String?
    private struct Keeper {
        var pid: pid_t
        var deathPipe: Int32
        var mountNamespace: Int32
        var pidNamespace: Bool
    }
    private let keeper = Mutex<Keeper?>(nil)
    private let ended = Atomic<Bool>(false)
    /// Removes the groups of processes that have ended for good, on a thread of its own, while the others
    /// still stop: at a stop of hundreds of processes, their removal overlaps the stop instead of following it.
    private let retiring = DispatchQueue(label: "tandem-cgroup-retire")

    /// Makes the unit's cgroup (`name` inside the group this process is in): cgroup v2 where its
    /// hierarchy is mounted and writable (pure or beside v1), else v1's freezer hierarchy.
    init(mode: ContainmentMode, groupName: String, cgroupRoot: String = "/sys/fs/cgroup") {
        self.mode = mode
        guard mode != .none else {
            unitGroup = nil
            cgroupProblem = "containment is off (--containment none)"
            return
        }
        let memberships = CgroupMembership.current()
        var candidates: [CgroupFolder] = []
        if let v2 = memberships.first(where: \.isV2) {
            // At the root of the mount, or at unified/ beside v1 hierarchies.
            for mount in [cgroupRoot, cgroupRoot + "/unified"] where access(mount + "/cgroup.controllers", R_OK) == 0 {
                candidates.append(CgroupFolder(path: mount + v2.path + "/" + groupName, version: 2))
                break
            }
        }
        if let freezer = memberships.first(where: { $0.controllers.contains("freezer") }) {
            candidates.append(CgroupFolder(path: cgroupRoot + "/freezer" + freezer.path + "/" + groupName, version: 1))
        }
        var found: CgroupFolder?
        var problem = "no cgroup v2 or v1 freezer hierarchy is mounted at \(cgroupRoot)"
        for candidate in candidates {
            if mkdir(candidate.path, 0o755) == 0 || errno == EEXIST {
                found = candidate
                break
            }
            problem = "cannot make \(candidate.path): \(String(cString: strerror(errno)))"
        }
        unitGroup = found
        cgroupProblem = found == nil ? problem : nil
    }

    /// Starts the keeper, with the cgroups it removes if the supervisor is killed (the unit's and the
    /// memory groups' folders), and with a PID namespace in `.auto` mode where this process may make one.
    /// Must be called before any process of the unit starts.
    func startKeeper(removing folders: [CgroupFolder]) {
        guard mode != .none else { return }
        // Already PID 1 (a container's entrypoint): the kernel ends everything when this process ends.
        let wantsNamespace = mode == .auto && getpid() != 1 && geteuid() == 0
        // This executable again: its constructor runs the keeper's loop before Swift's main.
        let executable = "/proc/self/exe"
        let started = SpawnThread.shared.run { () -> Keeper? in
            var pidNamespace: Int32 = wantsNamespace ? 1 : 0
            var deathPipe: Int32 = -1
            var mountNamespace: Int32 = -1
            // The one `tandem-supervisor` forked before main, else this executable run again.
            var pid = tandem_early_keeper(&pidNamespace, &deathPipe, &mountNamespace)
            if pid <= 0 {
                pidNamespace = wantsNamespace ? 1 : 0
                pid = tandem_keeper_start(executable, &pidNamespace, &deathPipe, &mountNamespace)
            }
            guard pid > 0 else { return nil }
            for folder in folders { _ = tandem_keeper_add_folder(deathPipe, folder.path, folder.version) }
            // This thread starts every process: in the unit's mount namespace, so are they.
            if mountNamespace >= 0, tandem_join_mount_namespace(mountNamespace) != 0 {
                close(mountNamespace)
                mountNamespace = -1
            }
            return Keeper(pid: pid, deathPipe: deathPipe, mountNamespace: mountNamespace, pidNamespace: pidNamespace != 0)
        }
        keeper.withLock { $0 = started }
        if let started { ProcessReaper.shared.childStarted(started.pid) }
    }

    /// The keeper's pid, for watching its end.
    var keeperPid: pid_t? { keeper.withLock { $0?.pid } }

    /// Whether the unit's processes are in a PID namespace of their own.
    var pidNamespace: Bool { keeper.withLock { $0?.pidNamespace ?? false } }

    /// The one line the unit starts with, saying what holds it together.
    var summary: String {
        let keeperPid = self.keeperPid
        var parts: [String] = []
        if let unitGroup { parts.append("cgroup v\(unitGroup.version) \(unitGroup.path)") }
        if pidNamespace { parts.append("a PID namespace (init: keeper pid \(keeperPid ?? 0))") }
        if parts.isEmpty {
            return
                "containment: none (\(cgroupProblem ?? "no cgroup")): a process that leaves its process group can outlive the unit if tandem is killed with SIGKILL"
        }
        if keeperPid == nil { parts.append("no keeper (it could not start): a kill -9 of tandem leaves the cgroup behind") }
        return "containment: " + parts.joined(separator: ", ")
    }

    /// The group of one process, made before its first start and kept across its restarts.
    func leaf(for process: String) -> CgroupFolder? {
        guard let unitGroup else { return nil }
        let folder = unitGroup.path + "/" + fileNameComponent(process)
        guard mkdir(folder, 0o755) == 0 || errno == EEXIST else { return nil }
        return CgroupFolder(path: folder, version: unitGroup.version)
    }

    /// Kills whatever is left in a process's group (when its process has ended), without waiting.
    func killLeaf(_ leaf: CgroupFolder) {
        _ = tandem_cgroup_kill_members(leaf.path, leaf.version, 0)
    }

    /// Removes a process's group once its process has ended for good (the unit stops). A group something is
    /// still left in cannot be removed: what is in it is killed, and the group stays for `end`.
    func retire(_ leaf: CgroupFolder) {
        retiring.async {
            // Usually empty: removed at the first try. A group still in use cannot be (EBUSY).
            if rmdir(leaf.path) != 0 && errno == EBUSY { _ = tandem_cgroup_kill_members(leaf.path, leaf.version, 0) }
        }
    }

    /// Ends the unit for good: every process left in its cgroup (or, without one, every descendant this
    /// process was left with) is killed, the cgroup removed, and the keeper told to go.
    func end(otherFolders: [CgroupFolder]) {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        retiring.sync {}
        if let unitGroup {
            _ = tandem_cgroup_kill(unitGroup.path, unitGroup.version, 5000)
        } else if ProcessReaper.shared.reapsAll {
            // Only a program that owns every child of its own (tandem run) may sweep them.
            killChildren(except: keeperPid.map { [$0] } ?? [], reaping: false)
        }
        for folder in otherFolders where folder != unitGroup {
            _ = tandem_cgroup_kill(folder.path, folder.version, 1000)
        }
        if let unitGroup { _ = tandem_cgroup_remove(unitGroup.path) }
        let keeper = self.keeper.withLock { $0 }
        if let keeper {
            // Opened while the keeper still runs, so that its exit (the descriptor becomes readable) wakes
            // this wait at once: a millisecond's sleep between checks was most of a small unit's shutdown.
            let exit = tandem_pidfd_open(keeper.pid)
            if keeper.mountNamespace >= 0 { close(keeper.mountNamespace) }
            close(keeper.deathPipe)
            let deadline = ContinuousClock.now + .seconds(1)
            if exit >= 0 {
                var watched = pollfd(fd: exit, events: Int16(POLLIN), revents: 0)
                while poll(&watched, 1, 1000) < 0 && errno == EINTR {}
                close(exit)
            }
            // Then reaped here (by the reaper's threads, within moments of its exit): no zombie of whoever
            // adopts it.
            while ContinuousClock.now < deadline, kill(keeper.pid, 0) == 0 || errno != ESRCH { sleepThread(seconds: 0.000_05) }
        }
    }

    /// Whether `end` has run (the keeper's end is then expected).
    var hasEnded: Bool { ended.load(ordering: .acquiring) }
}

/// Kills every child of this process but `spared` (its group too: what it started and has not left yet)
/// until none is left, at most `limit`. As the subreaper, this process is the parent of every orphaned
/// descendant, so this reaches all of them, however they detached. With `reaping` they are reaped here
/// too, for a program with no reaper thread of its own (`tandem stage`); without, the reaper reaps them
/// and a zombie no longer counts.
func killChildren(except spared: Set<pid_t>, within limit: Duration = .seconds(2), reaping: Bool) {
    let me = getpid()
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        var left = false
        for name in directoryEntries("/proc") ?? [] {
            guard let pid = pid_t(name), !spared.contains(pid), let fields = processStatFields(pid), fields.count >= 2, pid_t(fields[1]) == me
            else { continue }
            let zombie = fields[0] == "Z"
            if zombie && !reaping { continue }
            left = true
            if !zombie {
                _ = kill(-pid, SIGKILL)
                _ = kill(pid, SIGKILL)
            }
            if reaping {
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
            }
        }
        if !left { return }
        sleepThread(seconds: 0.002)
    }
}

/// For a program that runs helpers it does not supervise (`tandem stage` runs buildpack scripts): what a
/// helper leaves behind, however it detached (`setsid`, a double fork), comes back to this process, to be
/// ended with the helper.
public enum LeftoverProcesses {
    /// Makes this process the subreaper of its descendants. Call it before starting the helpers.
    public static func adopt() {
        _ = tandem_set_subreaper()
    }

    /// Kills and reaps every child of this process but `spared`, orphans included, until none is left
    /// (at most `limit`). Call it only when none of this program's own children is running.
    public static func end(except spared: Set<pid_t> = [], within limit: Duration = .seconds(2)) {
        killChildren(except: spared, within: limit, reaping: true)
    }
}
