import Foundation
import TandemRuntime
import TandemTestSupport
import Testing

/// Real process trees, as the maintainers of s6, tini and the kubelet test theirs: a main and two sidecars,
/// each with a child in its own process group, a child in its own session and a double-forked daemon.
/// Whatever ends the unit (SIGTERM, an essential exit, a `kill -9` of tandem itself), nothing of it is
/// left: no process, no cgroup.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ContainmentTests {
    enum Ending: String, CaseIterable, CustomTestStringConvertible {
        case sigterm, essentialExit, killedSupervisor
        var testDescription: String { rawValue }
    }

    /// One process's command: three kinds of descendant that leave its process group or its parent.
    static func tree(_ tag: String, then last: String) -> String {
        "\"setsid sleep 301 & (sleep 302 &); (setsid sh -c 'sleep 303 &') ; sleep 304 & echo \(tag) ready; \(last)\""
    }

    static func manifest(service: String, essentialExit: Bool) throws -> String {
        try RunCommandTests.manifest(
            """
            name: \(service)
            command: \(tree("app", then: essentialExit ? "sleep 1; exit 3" : "exec sleep 300"))
            sidecars:
              agent:
                command: \(tree("agent", then: "exec sleep 310"))
              proxy:
                command: \(tree("proxy", then: "exec sleep 320"))
            """)
    }

    /// Every live process that carries the unit's `TANDEM_SERVICE` (every descendant does, whatever it did
    /// to its group, session or parent).
    static func members(of service: String) -> [pid_t] {
        let marker = Array("TANDEM_SERVICE=\(service)\0".utf8)
        var found: [pid_t] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(name), let environment = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            if stat.split(separator: ")").last?.split(separator: " ").first == "Z" { continue }
            if Array(environment).firstRange(of: marker) != nil { found.append(pid) }
        }
        return found
    }

    static func cgroups(of service: String) -> [String] {
        var found: [String] = []
        for root in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/freezer", "/sys/fs/cgroup/memory"] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            found += entries.filter { $0.hasPrefix("tandem-\(service)-") }.map { root + "/" + $0 }
        }
        return found
    }

    static func waitFor(_ condition: () -> Bool, within limit: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return condition()
    }

    @Test(arguments: Ending.allCases, ["auto", "cgroup"])
    func nothingOfTheUnitOutlivesIt(ending: Ending, containment: String) async throws {
        let service = "tree-\(UUID().uuidString.prefix(8).lowercased())"
        let path = try Self.manifest(service: service, essentialExit: ending == .essentialExit)
        let (process, output) = try RunCommandTests.start(["run", "--containment", containment, path])
        defer { for pid in Self.members(of: service) { kill(pid, SIGKILL) } }
        // 3 processes, each with 4 descendants (the shell that sets up the last one is gone by then).
        #expect(await Self.waitFor { Self.members(of: service).count >= 15 }, "\(Self.members(of: service).count) processes")
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(!text.contains("containment:"), "a fully contained unit says nothing about it: \(text)")
        switch ending {
        case .sigterm: kill(process.processIdentifier, SIGTERM)
        case .essentialExit: break
        case .killedSupervisor: kill(process.processIdentifier, SIGKILL)
        }
        await exited(process)
        switch ending {
        case .sigterm: #expect(process.terminationStatus == 0)
        case .essentialExit: #expect(process.terminationStatus == 3)
        case .killedSupervisor: #expect(process.terminationReason == .uncaughtSignal)
        }
        #expect(await Self.waitFor { Self.members(of: service).isEmpty }, "survivors: \(Self.members(of: service))")
        #expect(await Self.waitFor { Self.cgroups(of: service).isEmpty }, "cgroups left: \(Self.cgroups(of: service))")
    }

    /// In a PID namespace the processes see their own ids (the main is 2, after the keeper) and a /proc
    /// of the namespace, so that what they read there is themselves.
    @Test func asRootTheUnitHasAPIDNamespaceWithItsOwnProc() async throws {
        guard geteuid() == 0 else { return }
        let path = try RunCommandTests.manifest("name: ns\ncommand: \"echo pid $$; ls /proc | grep -c '^[0-9]'; exec sleep 60\"\n")
        let (process, output) = try RunCommandTests.start(["run", path])
        #expect(await Self.waitFor { ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("| pid ") })
        try await Task.sleep(for: .milliseconds(200))
        let text = try String(contentsOf: output, encoding: .utf8)
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        let lines = text.split(separator: "\n").map { $0.split(separator: "|").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        #expect(lines.contains("pid 2"), "\(text)")
        // The keeper, the shell and ls: a handful, not the host's hundreds.
        let count = lines.compactMap { Int($0) }.first ?? 0
        #expect((2...5).contains(count), "\(text)")
    }

    /// No catchable signal ends tandem: the ones that do not mean stop reach the main process, in order.
    @Test func strayingSignalsArePassedOnAndTandemSurvives() async throws {
        let path = try RunCommandTests.manifest(
            """
            name: app
            command: "for s in USR1 USR2 ALRM HUP WINCH; do trap \\"echo got $s\\" $s; done; echo armed; while true; do sleep 0.05; done"
            sidecars:
              agent:
                command: "trap 'echo agent got USR1' USR1; while true; do sleep 0.05; done"
              listener:
                command: "trap 'echo listener got USR2' USR2; while true; do sleep 0.05; done"
                forward_signals: [USR2]
            """)
        let (process, output) = try RunCommandTests.start(["run", path])
        #expect(await Self.waitFor { ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("app      | armed") })
        for signal in [SIGUSR1, SIGUSR2, SIGALRM, SIGHUP, SIGWINCH] {
            kill(process.processIdentifier, signal)
            try await Task.sleep(for: .milliseconds(150))
        }
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(kill(process.processIdentifier, 0) == 0, "tandem died: \(text)")
        for name in ["USR1", "USR2", "ALRM", "HUP", "WINCH"] {
            #expect(text.contains("app      | got \(name)"), "\(name): \(text)")
        }
        #expect(text.contains("tandem   | * SIGUSR2 received: passed on to app, listener"), "\(text)")
        #expect(text.contains("listener | listener got USR2"), "\(text)")
        // Sidecars take none by default.
        #expect(!text.contains("agent got USR1"), "\(text)")
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(process.terminationStatus == 0)
    }

    /// `--control` replaces only a socket nobody answers on; a regular file at the path is the user's.
    @Test func theControlPathMustBeASocket() async throws {
        let file = NSTemporaryDirectory() + "tandem-not-a-socket-\(UUID().uuidString)"
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: file))
        let path = try RunCommandTests.manifest("name: app\ncommand: \"exec sleep 60\"\n")
        let (process, output) = try RunCommandTests.start(["run", "--control", file, path])
        await exited(process)
        #expect(process.terminationStatus == 2)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me\n")
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.contains("Error: \(file) exists and is not a socket"), "\(text)")
    }

    /// A socket left by a killed unit does not confuse `tandem ps`: it is ignored and removed.
    @Test func socketsNobodyAnswersOnAreIgnoredAndRemoved() async throws {
        let runtime = try RunCommandTests.privateFolder()
        let environment = ["XDG_RUNTIME_DIR": runtime]
        let dead = try RunCommandTests.manifest("name: dead\ncommand: \"exec sleep 60\"\n")
        let (killed, killedOutput) = try RunCommandTests.start(["run", dead], environment: environment)
        #expect(try await RunCommandTests.pids(in: killedOutput, count: 1).count == 1)
        kill(killed.processIdentifier, SIGKILL)
        await exited(killed)
        #expect(FileManager.default.fileExists(atPath: runtime + "/tandem/dead.sock"))
        let live = try RunCommandTests.manifest("name: live\ncommand: \"exec sleep 60\"\n")
        let (process, output) = try RunCommandTests.start(["run", live], environment: environment)
        #expect(try await RunCommandTests.pids(in: output, count: 1).count == 1)
        let ps = try await GoldenTests.run(["ps"], environment: environment)
        #expect(ps.status == 0, "\(ps.stderr)")
        #expect(ps.stdout.contains("live"), "\(ps.stdout)")
        #expect(!FileManager.default.fileExists(atPath: runtime + "/tandem/dead.sock"))
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
    }

    /// `--stop-timeout` bounds the whole shutdown, whatever the graces say.
    @Test func theStopTimeoutBoundsTheShutdown() async throws {
        let path = try RunCommandTests.manifest(
            """
            name: app
            command: "trap '' TERM; while true; do sleep 0.05; done"
            stop_grace_period: 60s
            sidecars:
              agent:
                command: "trap '' TERM; while true; do sleep 0.05; done"
                stop_grace_period: 60s
            """)
        let (process, output) = try RunCommandTests.start(["run", "--stop-timeout", "2s", path])
        #expect(try await RunCommandTests.pids(in: output, count: 2).count == 2)
        let asked = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        let took = ContinuousClock.now - asked
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(took < .seconds(4), "\(took): \(text)")
        #expect(text.contains("app      | * did not stop within 1.6s (what the unit's stop timeout left of its grace): killing"), "\(text)")
        #expect(text.contains("agent    | * did not stop within"), "\(text)")
    }

    /// As a container's PID 1 (here under `unshare --pid --fork`), every orphan is reaped: thousands of
    /// double-forked children leave no zombie.
    @Test func asPID1EveryOrphanIsReaped() async throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else { return }
        let count = 1000
        let path = try RunCommandTests.manifest(
            """
            name: orphans
            command: "i=0; while [ $i -lt \(count) ]; do (true &); i=$((i+1)); done; echo made all; exec sleep 60"
            """)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-pid1-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--pid", "--fork", "--kill-child", GoldenTests.binary.path, "run", "--no-control", path]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // unshare ignores SIGTERM while its child runs (util-linux 2.38); its SIGKILL takes the namespace with it.
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        #expect(await Self.waitFor({ ((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("made all") }, within: .seconds(40)))
        // Tandem is PID 1 of the namespace: the orphans' parent, as the host sees it.
        let tandem = try #require(
            (try FileManager.default.contentsOfDirectory(atPath: "/proc")).compactMap(pid_t.init).first { pid in
                let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
                let parent = status.split(separator: "\n").first { $0.hasPrefix("PPid:") }.map { $0.split(separator: "\t").last.map(String.init) ?? "" }
                return parent == String(process.processIdentifier) && status.contains("NSpid:\t") && status.contains("\t1\n")
            })
        func zombies() -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).count { pid in
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
                let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
                return fields.count > 1 && fields[0] == "Z" && fields[1] == Substring(String(tandem))
            }
        }
        #expect(await Self.waitFor { zombies() == 0 }, "\(zombies()) zombies")
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.contains("orphans  | made all"), "\(text)")
        // Stopped as a container runtime stops its PID 1: SIGTERM to it, which ends the unit and unshare.
        kill(tandem, SIGTERM)
        await exited(process, within: .seconds(20))
    }
}
