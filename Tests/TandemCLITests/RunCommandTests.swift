import Foundation
import TandemRuntime
import TandemTestSupport
import Testing

/// `tandem run` as users run it: a real binary, real children, real signals.
@Suite(.serialized, .timeLimit(.minutes(1))) struct RunCommandTests {
    static func manifest(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "tandem-run-\(UUID().uuidString).yml"
        try Data(("tandem: v1\n" + text).utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Starts `tandem run`, returning the process and the file its output goes to.
    /// With `softDescriptorLimit`, tandem starts under that soft RLIMIT_NOFILE (a shell's `ulimit -Sn`).
    static func start(_ arguments: [String], environment extra: [String: String] = [:], softDescriptorLimit: Int? = nil) throws -> (Process, URL) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-run-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = Process()
        if let softDescriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -Sn \(softDescriptorLimit) && exec \"$0\" \"$@\"", GoldenTests.binary.path] + arguments
        } else {
            process.executableURL = GoldenTests.binary
            process.arguments = arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        // Each run its own control-socket folder, so that units of parallel tests never meet.
        environment["XDG_RUNTIME_DIR"] = try privateFolder()
        environment.merge(extra) { _, new in new }
        process.environment = environment
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return (process, output)
    }

    static func pids(in output: URL, count: Int) async throws -> [pid_t] {
        for _ in 0..<500 {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            let pids = text.split(separator: "\n").compactMap { line -> pid_t? in
                guard let range = line.range(of: "started (pid ") else { return nil }
                return pid_t(line[range.upperBound...].prefix { $0.isNumber })
            }
            if pids.count >= count { return pids }
            try await Task.sleep(for: .milliseconds(10))
        }
        return []
    }

    /// Each process's pid from its `started` line, by name (processes without a dependency between them
    /// start in no set order). Empty until every name in `names` has started.
    static func pids(in output: URL, of names: [String]) async throws -> [String: pid_t] {
        for _ in 0..<500 {
            var pids: [String: pid_t] = [:]
            for line in ((try? String(contentsOf: output, encoding: .utf8)) ?? "").split(separator: "\n") {
                guard let range = line.range(of: "started (pid "), let bar = line.firstIndex(of: "|") else { continue }
                pids[line[..<bar].trimmingCharacters(in: .whitespaces)] = pid_t(line[range.upperBound...].prefix { $0.isNumber })
            }
            if names.allSatisfy({ pids[$0] != nil }) { return pids }
            try await Task.sleep(for: .milliseconds(10))
        }
        return [:]
    }

    @Test func sigtermStopsTheUnitInOrderAndLeavesNothing() async throws {
        let path = try Self.manifest("name: app\ncommand: \"exec sleep 60\"\nsidecars:\n  agent:\n    command: \"exec sleep 60\"\n")
        let (process, output) = try Self.start(["run", path])
        let children = try await Self.pids(in: output, count: 2)
        #expect(children.count == 2)
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(process.terminationStatus == 0)
        for pid in children { #expect(await processIsGone(pid)) }
        let text = try String(contentsOf: output, encoding: .utf8)
        let appStopping = try #require(text.range(of: "app      | * stopping"))
        let agentStopping = try #require(text.range(of: "agent    | * stopping"))
        #expect(appStopping.lowerBound < agentStopping.lowerBound)
    }

    /// `tandem run` checks the manifest, then execs into `tandem-supervisor` (same pid), so that only the
    /// runtime stays resident beside the children; TANDEM_IN_PROCESS=1 keeps the unit in `tandem`.
    @Test(arguments: [false, true])
    func theUnitRunsInTheSupervisorExecutable(inProcess: Bool) async throws {
        let path = try Self.manifest("name: app\ncommand: \"exec sleep 60\"\n")
        let (process, output) = try Self.start(["run", path], environment: inProcess ? ["TANDEM_IN_PROCESS": "1"] : [:])
        #expect(try await Self.pids(in: output, count: 1).count == 1)
        let name = try String(contentsOfFile: "/proc/\(process.processIdentifier)/comm", encoding: .utf8)
        #expect(name.trimmingCharacters(in: .whitespacesAndNewlines) == (inProcess ? "tandem" : "tandem-supervis"))
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(process.terminationStatus == 0)
    }

    /// The launch's descriptor, the containment mode and the descriptor count are for the supervisor's
    /// executable before its main; the unit's processes never see them.
    @Test func theSupervisorsOwnVariablesDoNotReachTheProcesses() async throws {
        let path = try Self.manifest("name: app\ncommand: \"env; exec sleep 60\"\n")
        let (process, output) = try Self.start(["run", path])
        #expect(try await Self.pids(in: output, count: 1).count == 1)
        var text = ""
        for _ in 0..<500 where !text.contains("PATH=") {
            try await Task.sleep(for: .milliseconds(10))
            text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        }
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(text.contains("app      | PATH="))
        for variable in ["TANDEM_LAUNCH_FD", "TANDEM_CONTAINMENT", "TANDEM_DESCRIPTORS"] { #expect(!text.contains(variable + "=")) }
    }

    /// A unit that needs more descriptors than the soft limit tandem was started with still starts every
    /// process (the supervisor raises its own soft limit), and the processes get the limit tandem had.
    @Test func aUnitLargerThanTheSoftDescriptorLimitStartsWithTheLimitItsProcessesHad() async throws {
        var text = "name: app\ncommand: \"ulimit -n; exec sleep 60\"\nprocesses:\n"
        for index in 1...80 { text += "  p\(index):\n    command: \"exec sleep 60\"\n    essential: false\n" }
        let path = try Self.manifest(text)
        let (process, output) = try Self.start(["run", path], softDescriptorLimit: 200)
        let pids = try await Self.pids(in: output, count: 81)
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(pids.count == 81)
        let log = try String(contentsOf: output, encoding: .utf8)
        #expect(log.contains("app      | 200"))
        #expect(!log.contains("Too many open files"))
    }

    @Test func childrenDieWithAKilledTandem() async throws {
        let path = try Self.manifest("name: app\ncommand: \"exec sleep 60\"\nsidecars:\n  agent:\n    command: \"exec sleep 60\"\n")
        let (process, output) = try Self.start(["run", path])
        let children = try await Self.pids(in: output, count: 2)
        #expect(children.count == 2)
        kill(process.processIdentifier, SIGKILL)
        await exited(process)
        for pid in children { #expect(await processIsGone(pid)) }
    }

    @Test func orphansAreKilledAndReaped() async throws {
        // A sidecar that forks a daemon and exits: the daemon goes with its group, and Tandem reaps it.
        let path = try Self.manifest(
            "name: app\ncommand: \"exec sleep 60\"\nsidecars:\n  forker:\n    command: \"sleep 300 & echo daemon $!\"\n    restart: never\n")
        // The cgroup alone: the daemon's pid as it prints it is the host's (in a PID namespace it would not be).
        let (process, output) = try Self.start(["run", "--containment", "cgroup", path])
        var daemon: pid_t?
        for _ in 0..<300 where daemon == nil {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: "| daemon ") { daemon = pid_t(text[range.upperBound...].prefix { $0.isNumber }) }
            try await Task.sleep(for: .milliseconds(10))
        }
        let pid = try #require(daemon)
        var reaped = false
        for _ in 0..<200 where !reaped {
            reaped = kill(pid, 0) != 0 && errno == ESRCH
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(reaped, "the daemon \(pid) is still there (a zombie if it was not reaped)")
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
    }

    @Test func theEssentialExitCodeIsTandemsExitCode() async throws {
        let path = try Self.manifest("name: app\ncommand: \"exit 7\"\n")
        let (process, _) = try Self.start(["run", path])
        await exited(process)
        #expect(process.terminationStatus == 7)
    }

    /// Config-map files are written to a private folder named by `TANDEM_CONFIG_<VOLUME>`, read-only
    /// when the volume is, and removed when the unit ends.
    @Test func configMapFilesAreWrittenToAPrivateFolderAndRemoved() async throws {
        let runtime = try Self.privateFolder()
        let path = try Self.manifest(
            """
            name: app
            command: "exec sleep 60"
            config_maps:
              proxy-config: {files: {envoy.yaml: "admin: {port: 9901}", notes.txt: "two"}}
            sidecars:
              reader:
                command: "cat \\"$TANDEM_CONFIG_PROXY_CONFIG/envoy.yaml\\"; echo; stat -c 'mode %a' \\"$TANDEM_CONFIG_PROXY_CONFIG\\" \\"$TANDEM_CONFIG_PROXY_CONFIG/envoy.yaml\\"; echo \\"folder $TANDEM_CONFIG_PROXY_CONFIG\\""
                restart: never
                essential: false
                mount_points:
                  - {source_volume: proxy-config, path: /etc/envoy}

            """)
        let (process, output) = try Self.start(["run", path, "--stop-after", "1s"], environment: ["XDG_RUNTIME_DIR": runtime])
        await exited(process)
        let text = try String(contentsOf: output, encoding: .utf8)
        #expect(text.contains("reader   | admin: {port: 9901}"), "\(text)")
        #expect(text.contains("reader   | mode 700"), "\(text)")
        #expect(text.contains("reader   | mode 400"), "\(text)")
        let folder = try #require(text.split(separator: "\n").first { $0.contains("reader   | folder ") }.map { String($0.split(separator: " ").last!) })
        #expect(folder.hasPrefix(runtime + "/tandem/app-") && folder.hasSuffix(".config/proxy-config"), "\(folder)")
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(!FileManager.default.fileExists(atPath: (folder as NSString).deletingLastPathComponent))
    }

    /// An HTTP GET on loopback, through Python's urllib: status and body.
    static func httpGet(_ url: String) async throws -> (status: Int, body: String) {
        let script = """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=5); print(r.status); sys.stdout.write(r.read().decode())
            except urllib.error.HTTPError as e:
                print(e.code); sys.stdout.write(e.read().decode())
            """
        let text = try await runTool("/usr/bin/env", ["python3", "-c", script, url]).stdout
        let firstLine = text.prefix { $0 != "\n" }
        return (Int(firstLine) ?? 0, String(text.dropFirst(firstLine.count + 1)))
    }

    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length)
                return getsockname(descriptor, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func metricsAreServedInPrometheusTextFormat() async throws {
        let port = Self.freePort()
        let path = try Self.manifest("name: app\ncommand: \"exec sleep 60\"\nsidecars:\n  side:\n    command: \"exec sleep 60\"\n")
        let (process, output) = try Self.start(["run", path, "--stop-after", "3s", "--metrics", "127.0.0.1:\(port)"])
        #expect(try await Self.pids(in: output, count: 2).count == 2)
        let (status, text) = try await Self.httpGet("http://127.0.0.1:\(port)/metrics")
        #expect(status == 200)
        #expect(text.contains("tandem_process_up{service=\"app\",process=\"side\",role=\"sidecar\"} 1"), "\(text)")
        #expect(text.contains("tandem_process_restarts_total{service=\"app\",process=\"app\",role=\"main\"} 0"))
        #expect(text.contains("tandem_unit_stopping{service=\"app\"} 0"))
        // Every line is a HELP, a TYPE or a sample of the text format.
        let sample = /[a-z_]+\{([a-z]+="[^"]*",?)+\} -?[0-9.]+/
        for line in text.split(separator: "\n") {
            #expect(line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") || line.wholeMatch(of: sample) != nil, "\(line)")
        }
        #expect(try await Self.httpGet("http://127.0.0.1:\(port)/other").status == 404)
        // A second unit on the same port: a clear error, and it starts nothing.
        let second = try await GoldenTests.run(["run", path, "--metrics", "\(port)", "--no-control"])
        #expect(second.status == 2 && second.stderr.contains("cannot serve metrics on 127.0.0.1:\(port): Address already in use"), "\(second.stderr)")
        #expect(!second.stdout.contains("started"))
        await exited(process)
    }

    /// `notify_ready`: the process is ready when it sends READY=1 on NOTIFY_SOCKET, and what waits for it
    /// being healthy starts then, with no polling; other engines are told they cannot do it.
    @Test func aProcessSaysWhenItIsReadyOnNotifySocket() async throws {
        let path = try Self.manifest(
            """
            name: app
            command: ["python3", "-u", "-c", "import os, socket, time\\nprint('warming up')\\ntime.sleep(0.5)\\ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\\ns.sendto(b'STATUS=warm\\\\nREADY=1', os.environ['NOTIFY_SOCKET'])\\ntime.sleep(60)"]
            image: python:3.12
            notify_ready: true
            # What other engines check; locally the process is ready only once it sends READY=1.
            probes:
              startup: {exec: ["true"], period: 100ms}
            sidecars:
              side:
                command: "echo side is up; exec sleep 60"
                image: busybox
                depends_on: {app: healthy}

            """)
        let (process, output) = try Self.start(["run", path, "--stop-after", "2s"])
        await exited(process)
        let text = try String(contentsOf: output, encoding: .utf8)
        func position(_ fragment: String) -> String.Index? { text.range(of: fragment)?.lowerBound }
        let warming = try #require(position("app      | warming up"), "\(text)")
        let status = try #require(position("app      | * status: warm"), "\(text)")
        let ready = try #require(position("app      | * ready"), "\(text)")
        let side = try #require(position("side     | * started"), "\(text)")
        #expect(warming < ready && status < ready && ready < side, "\(text)")

        let rendered = try await GoldenTests.run(["render", "--target", "kubernetes", path])
        #expect(rendered.stderr.contains("[kubernetes/notify-ready] app says when it is ready on NOTIFY_SOCKET"), "\(rendered.stderr)")
    }

    /// Standard output that nobody reads (a stalled pipe) slows the processes, as it must for none of
    /// their lines to be lost, but never keeps the unit from stopping: SIGTERM still ends it, in order.
    @Test func aConsoleNobodyReadsDoesNotKeepTheUnitFromStopping() async throws {
        let path = try Self.manifest("name: app\ncommand: \"seq 1 100000000\"\n")
        let report = try Self.privateFolder() + "/report.json"
        let errors = FileManager.default.temporaryDirectory.appendingPathComponent("tandem-stalled-\(UUID().uuidString).err")
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil)
        let process = Process()
        process.executableURL = GoldenTests.binary
        process.arguments = ["run", path, "--report", report]
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_RUNTIME_DIR"] = try Self.privateFolder()
        process.environment = environment
        let stalled = Pipe()
        process.standardOutput = stalled
        process.standardError = try FileHandle(forWritingTo: errors)
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        // The pipe holds 64 KiB: it is full long before this.
        try await Task.sleep(for: .seconds(1))
        process.terminate()
        // A hang fails here with what each of tandem's threads was waiting in.
        await exited(process, within: .seconds(15))
        let stderr = try String(contentsOf: errors, encoding: .utf8)
        #expect(stderr.contains("tandem: standard output was not being read; its last lines were not written"), "\(stderr)")
        let written = try String(contentsOfFile: report, encoding: .utf8)
        #expect(written.contains("\"reason\" : \"stopped\""), "\(written)")
        try? stalled.fileHandleForReading.close()
    }

    @Test func logDirGetsOneFilePerProcess() async throws {
        let logs = try Self.privateFolder() + "/logs"
        let path = try Self.manifest(
            "name: app\ncommand: \"echo hello 1; echo hello 2; exec sleep 60\"\nsidecars:\n  side:\n    command: \"echo from side; exec sleep 60\"\n")
        let (process, _) = try Self.start(["run", path, "--stop-after", "1s", "--log-dir", logs, "--log-max-size", "64K"])
        await exited(process)
        let app = try String(contentsOfFile: logs + "/app.log", encoding: .utf8)
        #expect(app.contains("\"stream\":\"stdout\",\"line\":\"hello 1\"") && app.contains("\"line\":\"hello 2\""), "\(app)")
        #expect(app.contains("\"stream\":\"event\""))
        #expect(try String(contentsOfFile: logs + "/side.log", encoding: .utf8).contains("\"line\":\"from side\""))
        let refused = try await GoldenTests.run(["run", path, "--log-max-size", "lots"])
        #expect(refused.status == 2 && refused.stderr.contains("--log-max-size takes a size such as 10M"))
    }

    @Test func aReportSaysHowEachProcessEnded() async throws {
        let path = try Self.manifest("name: app\ncommand: \"exec sleep 60\"\nsidecars:\n  once:\n    command: \"true\"\n    restart: never\n")
        let report = NSTemporaryDirectory() + "tandem-report-\(UUID().uuidString).json"
        let (process, _) = try Self.start(["run", path, "--stop-after", "500ms", "--report", report])
        await exited(process)
        #expect(process.terminationStatus == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        let processes = try #require(object["processes"] as? [[String: Any]])
        #expect(processes.map { $0["reason"] as? String } == ["stopped", "exited"])
    }

    static func privateFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "tandem-xdg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func psRestartAndStopTalkToTheRunningUnit() async throws {
        let path = try Self.manifest("name: shop\ncommand: \"exec sleep 60\"\nsidecars:\n  agent:\n    command: \"exec sleep 60\"\n")
        let runtime = try Self.privateFolder()
        let environment = ["XDG_RUNTIME_DIR": runtime]
        let (process, output) = try Self.start(["run", path], environment: environment)
        let started = try await Self.pids(in: output, of: ["shop", "agent"])
        let children = [try #require(started["shop"], "\(started)"), try #require(started["agent"], "\(started)")]

        let ps = try await GoldenTests.run(["ps", "-o", "json"], environment: environment)
        #expect(ps.status == 0, "\(ps.stderr)")
        // The unit's own status, decoded with the type the supervisor encodes it with.
        let status = try JSONDecoder().decode(UnitStatus.self, from: Data(ps.stdout.utf8))
        #expect(status.processes.map(\.name) == ["shop", "agent"])
        #expect(status.processes.map(\.pid) == children)
        #expect(status.processes.map(\.state) == [.ready, .ready])
        let table = try await GoldenTests.run(["ps", "--unit", "shop"], environment: environment)
        #expect(table.stdout.hasPrefix("NAME   ROLE     STATE  PID"), "\(table.stdout)")

        let unknown = try await GoldenTests.run(["restart", "nope"], environment: environment)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "Error: no process named nope; this unit has shop, agent\n")

        let restart = try await GoldenTests.run(["restart", "agent"], environment: environment)
        #expect(restart.status == 0, "\(restart.stderr)")
        let afterRestart = try await Self.pids(in: output, count: 3)
        #expect(afterRestart.count == 3)
        #expect(await processIsGone(children[1]))

        let stop = try await GoldenTests.run(["stop"], environment: environment)
        #expect(stop.status == 0, "\(stop.stderr)")
        await exited(process)
        #expect(process.terminationStatus == 0)
        for pid in [children[0], afterRestart[2]] { #expect(await processIsGone(pid)) }
        let log = try String(contentsOf: output, encoding: .utf8)
        #expect(log.contains("agent    | * restarting, as requested"), "\(log)")
        #expect(log.contains("unit ended: stopped by tandem stop (exit code 0)"))
        // The socket went with the unit.
        let after = try await GoldenTests.run(["ps"], environment: environment)
        #expect(after.status == 1)
        #expect(after.stderr == "Error: no unit is running (no control socket in \(runtime)/tandem); start one with tandem run\n")
    }

    @Test func aSecondUnitWithTheSameControlSocketIsRefused() async throws {
        let path = try Self.manifest("name: twice\ncommand: \"exec sleep 60\"\n")
        let environment = ["XDG_RUNTIME_DIR": try Self.privateFolder()]
        let (process, output) = try Self.start(["run", path], environment: environment)
        let children = try await Self.pids(in: output, count: 1)
        #expect(children.count == 1)
        let second = try await GoldenTests.run(["run", path], environment: environment)
        #expect(second.status == 2)
        #expect(second.stderr.contains("another unit is running with the control socket"))
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        #expect(await processIsGone(children[0]))
    }

    @Test func logsPrintsRecentLinesAndFollowsUntilTheUnitEnds() async throws {
        let path = try Self.manifest(
            "name: chatty\ncommand: \"echo one; echo two; exec sleep 60\"\nsidecars:\n  agent:\n    command: \"echo agent here; exec sleep 60\"\n")
        let environment = ["XDG_RUNTIME_DIR": try Self.privateFolder()]
        let (process, output) = try Self.start(["run", path], environment: environment)
        #expect(try await Self.pids(in: output, count: 2).count == 2)
        // The lines are on the unit's console once they are in its tail.
        for _ in 0..<200 where !((try? String(contentsOf: output, encoding: .utf8)) ?? "").contains("agent here") {
            try await Task.sleep(for: .milliseconds(10))
        }

        let recent = try await GoldenTests.run(["logs", "chatty", "-n", "2"], environment: environment)
        #expect(recent.status == 0, "\(recent.stderr)")
        #expect(recent.stdout == "chatty   | one\nchatty   | two\n")
        let json = try await GoldenTests.run(["logs", "agent", "-o", "json"], environment: environment)
        let objects = json.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.map { $0["line"] as? String }.last == "agent here")
        #expect(objects.allSatisfy { $0["process"] as? String == "agent" })
        // --timestamps puts each line's time after the prefix; --since keeps only recent lines.
        let stamped = try await GoldenTests.run(["logs", "chatty", "-n", "1", "--timestamps"], environment: environment)
        let stampedLine = stamped.stdout.trimmingCharacters(in: .newlines)
        #expect(
            stampedLine.hasPrefix("chatty   | 20") && stampedLine.hasSuffix("Z two") && stampedLine.count == "chatty   | 2026-12-02T00:33:40.123Z two".count,
            "\(stamped.stdout)")
        let recentHour = try await GoldenTests.run(["logs", "chatty", "--since", "1h"], environment: environment).stdout
        #expect(recentHour.contains("chatty   | one\nchatty   | two\n") && recentHour.contains("* started (pid "), "\(recentHour)")
        try await Task.sleep(for: .milliseconds(1100))
        #expect(try await GoldenTests.run(["logs", "chatty", "--since", "1s"], environment: environment).stdout == "")
        let badSince = try await GoldenTests.run(["logs", "--since", "soon"], environment: environment)
        #expect(badSince.status == 2 && badSince.stderr.contains("--since takes a duration such as 30s, 5m or 1h"), "\(badSince.stderr)")
        let unknown = try await GoldenTests.run(["logs", "nope"], environment: environment)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "Error: no process named nope; this unit has chatty, agent\n")

        // A follower gets what comes next and ends with the unit.
        let (follower, followed) = try Self.start(["logs", "-f", "-n", "0"], environment: environment)
        try await Task.sleep(for: .milliseconds(300))
        let restart = try await GoldenTests.run(["restart", "agent"], environment: environment)
        #expect(restart.status == 0, "\(restart.stderr)")
        #expect(try await Self.pids(in: output, count: 3).count == 3)
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        await exited(follower)
        #expect(follower.terminationStatus == 0)
        let text = try String(contentsOf: followed, encoding: .utf8)
        #expect(text.contains("agent    | agent here"), "\(text)")
        #expect(text.contains("agent    | * restarting, as requested"), "\(text)")
        #expect(text.hasSuffix("tandem   | * unit ended: signal 15 received (exit code 0)\n"), "\(text)")
        #expect(!text.contains("chatty   | one"))
    }

    @Test func whyFollowsWhatAProcessWaitsFor() async throws {
        let path = try Self.manifest(
            """
            name: app
            command: "exec sleep 60"
            probes:
              readiness: {exec: ["sh", "-c", "echo warming caches; exit 1"], period: 50ms}
            sidecars:
              proxy:
                command: "exec sleep 60"
                depends_on: {app: healthy}
              edge:
                command: "exec sleep 60"
                depends_on: {proxy: start}
              once:
                command: "exit 3"
                restart: never

            """)
        let environment = ["XDG_RUNTIME_DIR": try Self.privateFolder()]
        let (process, output) = try Self.start(["run", path], environment: environment)
        let pids = try await Self.pids(in: output, count: 2)
        #expect(pids.count == 2)
        try await Task.sleep(for: .milliseconds(300))
        let edge = try await GoldenTests.run(["why", "edge"], environment: environment)
        #expect(edge.status == 0, "\(edge.stderr)")
        let lines = edge.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(edge.stdout)")
        #expect(lines.first?.hasPrefix("edge is waiting for proxy to start (gives up in ") == true, "\(edge.stdout)")
        #expect(lines.dropFirst().first?.hasPrefix("  proxy is waiting for app to be healthy (gives up in ") == true, "\(edge.stdout)")
        let app = lines[min(2, lines.count - 1)]
        #expect(app.hasPrefix("    app is running (pid ") && app.contains(") but not ready: its readiness probe failed "), "\(edge.stdout)")
        // What the failing probe printed, as Docker's health log keeps it.
        #expect(Array(lines.suffix(3)) == ["      last readiness probe failed, its output:", "        warming caches", "        (exited with code 1)"])
        let json = try await GoldenTests.run(["ps", "-o", "json"], environment: environment)
        let probe = try #require(try JSONDecoder().decode(UnitStatus.self, from: Data(json.stdout.utf8)).process(named: "app")?.lastProbe)
        #expect(probe.kind == .readiness && !probe.passed && probe.output == "warming caches\n(exited with code 1)")
        let once = try await GoldenTests.run(["why", "once"], environment: environment)
        #expect(once.stdout == "once has ended: exited with code 3\n")
        kill(process.processIdentifier, SIGTERM)
        await exited(process)
        for pid in pids { #expect(await processIsGone(pid)) }
    }
}
