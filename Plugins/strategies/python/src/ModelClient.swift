import MantaIO
import MantaJSON

/// Why a model did not give a usable answer this time.
struct ModelFailure: Error, CustomStringConvertible {
    enum Kind { case late, down, nonsense }
    let kind: Kind
    let description: String
    init(_ kind: Kind, _ d: String) {
        self.kind = kind
        description = d
    }
}

/// A researcher's model running as a child process, spoken to in JSON-RPC
/// 2.0, one message per line on its stdin and stdout (docs/PYTHON.md).
///
/// A late answer is discarded when it arrives (answers carry ids); a model
/// still busy with an earlier request is not sent another; one busy for
/// `hungAfterMs` is killed; one that exits is restarted after a growing
/// number of calls (1, 2, 4 ... 288), so a model that cannot start does not
/// cost a start attempt every interval, and after `maxStarts` failed starts
/// in a row it is not started again.
///
/// Time: a call waits at most its deadline for its own answer. A model
/// still busy with an earlier call gets, in wall time, as much as has
/// passed on the host clock since that call (capped at `hungAfterMs`):
/// live, that has already passed and nothing waits; in a backtest, where
/// host time runs far ahead of the wall, the late answer is waited for, so
/// a slow model fares as it would live instead of being starved.
final class ModelClient {
    let command: [String]
    let initialize: JSON
    let hungAfterMs: Int
    let initTimeoutMs: Int
    let maxStarts: Int
    let log: (String) -> Void
    private(set) var modelName = ""

    private var process: ChildProcess?
    private var nextID: Int64 = 1
    /// The request the model has not answered yet, and since when (wall
    /// and host clock).
    private var pending: (id: Int64, sinceMs: Int64, sinceHostMs: Int64)?
    /// Losses since the model last started cleanly: sets the backoff.
    private var losses = 0
    /// Calls to refuse before the next start.
    private var skip = 0
    private var failedStarts = 0
    private var gaveUp: String?

    init(command: [String], initialize: JSON, hungAfterMs: Int, initTimeoutMs: Int, maxStarts: Int,
         log: @escaping (String) -> Void) {
        self.command = command
        self.initialize = initialize
        self.hungAfterMs = hungAfterMs
        self.initTimeoutMs = initTimeoutMs
        self.maxStarts = maxStarts
        self.log = log
    }

    /// Calls `method` at host time `nowMs`; the result, or why there is none.
    func call(_ method: String, _ params: JSON, nowMs: Int64, deadlineMs: Int) -> Result<JSON, ModelFailure> {
        defer { forwardStderr() }
        let proc: ChildProcess
        switch running() {
        case .failure(let f): return .failure(f)
        case .success(let p): proc = p
        }
        if let busy = catchUp(proc, nowMs: nowMs) { return .failure(busy) }
        let answer = exchange(proc, method, params, nowMs: nowMs, deadlineMs: deadlineMs)
        if case .failure(let f) = answer, f.kind == .down { return .failure(ModelFailure(.down, f.description + backOff())) }
        return answer
    }

    /// The running model, starting (and initialising) it when it is due.
    private func running() -> Result<ChildProcess, ModelFailure> {
        if let p = process {
            if p.isRunning { return .success(p) }
            forget()
            return .failure(ModelFailure(.down, "the model \(p.reap().map(ChildProcess.describe) ?? "exited")" + backOff()))
        }
        if let gaveUp { return .failure(ModelFailure(.down, gaveUp)) }
        if skip > 0 {
            skip -= 1
            return .failure(ModelFailure(.down, "the model is down; restarting in \(Self.calls(skip + 1))"))
        }
        let why: String
        do {
            let p = try ChildProcess(command)
            process = p
            switch exchange(p, "initialize", initialize, nowMs: 0, deadlineMs: initTimeoutMs) {
            case .success(let result):
                modelName = result["name"]?.string ?? ""
                losses = 0
                failedStarts = 0
                log("model started: \(command.joined(separator: " "))\(modelName.isEmpty ? "" : " (\(modelName))")")
                return .success(p)
            case .failure(let f):
                why = f.kind == .late ? "it did not answer initialize within \(initTimeoutMs) ms" : f.description
            }
        } catch {
            why = error.description
        }
        forwardStderr()
        forget()
        failedStarts += 1
        // A model that cannot start will not start by trying forever: each
        // failed start may have cost the whole init timeout.
        if failedStarts >= maxStarts {
            gaveUp = "the model failed to start \(failedStarts) times in a row (last: \(why)); not trying again"
            log(gaveUp!)
            return .failure(ModelFailure(.down, gaveUp!))
        }
        return .failure(ModelFailure(.down, "cannot start the model (\(why))" + backOff()))
    }

    /// Deals with an earlier request still unanswered: its late answer is
    /// read and discarded if it comes in the time the model is owed (see
    /// the type's notes); a model busy for too long is killed. Nil when the
    /// model is free for a new request.
    private func catchUp(_ proc: ChildProcess, nowMs: Int64) -> ModelFailure? {
        guard let p = pending else { return nil }
        let busy = WallClock.monotonicMs() - p.sinceMs
        let owed = min(Int64(hungAfterMs), max(busy, nowMs - p.sinceHostMs))
        switch read(proc, id: p.id, timeoutMs: Int(owed - busy)) {
        case .success:
            pending = nil
            return nil
        case .failure(let f) where f.kind != .late:
            return f.kind == .down ? ModelFailure(.down, f.description + backOff()) : f
        case .failure:
            let busy = WallClock.monotonicMs() - p.sinceMs
            guard busy >= Int64(hungAfterMs) else {
                return ModelFailure(.late, "the model is still busy with an earlier request (\(busy) ms)")
            }
            forget()
            return ModelFailure(.late, "the model did not answer for \(busy) ms: killed" + backOff())
        }
    }

    /// Sends one request and waits up to `deadlineMs` for its answer.
    private func exchange(_ proc: ChildProcess, _ method: String, _ params: JSON, nowMs: Int64,
                          deadlineMs: Int) -> Result<JSON, ModelFailure> {
        let id = nextID
        nextID += 1
        let request = JSON.object(JSONObject([("jsonrpc", "2.0"), ("id", .int(id)), ("method", .string(method)), ("params", params)]))
        do {
            try proc.send(request.serialized(), timeoutMs: deadlineMs)
        } catch {
            return .failure(lost(proc, error.description))
        }
        let answer = read(proc, id: id, timeoutMs: deadlineMs)
        if case .failure(let f) = answer, f.kind == .late {
            pending = (id, WallClock.monotonicMs(), nowMs)
            return .failure(ModelFailure(.late, "no answer within \(deadlineMs) ms: holding (a late answer will be discarded)"))
        }
        return answer
    }

    /// The answer to request `id`: other ids are late answers, discarded.
    private func read(_ proc: ChildProcess, id: Int64, timeoutMs: Int) -> Result<JSON, ModelFailure> {
        let deadline = WallClock.monotonicMs() + Int64(timeoutMs)
        while true {
            let line: String?
            do {
                line = try proc.readLine(timeoutMs: Int(max(0, deadline - WallClock.monotonicMs())))
            } catch {
                return .failure(lost(proc, error.description))
            }
            guard let line else { return .failure(ModelFailure(.late, "no answer")) }
            guard let message = try? JSON.parse(line), let o = message.object, o["jsonrpc"] == "2.0" else {
                return .failure(ModelFailure(.nonsense, "the model wrote something that is not a JSON-RPC message: \(line.prefix(80))"))
            }
            guard o["id"]?.integer == id else { continue }
            if let error = o["error"] {
                return .failure(ModelFailure(.nonsense, "the model answered with an error: \(error["message"]?.string ?? error.serialized())"))
            }
            guard let result = o["result"] else { return .failure(ModelFailure(.nonsense, "the model's answer has no result")) }
            return .success(result)
        }
    }

    /// The model went away mid-call: why, with the last thing it said.
    private func lost(_ proc: ChildProcess, _ why: String) -> ModelFailure {
        let words = proc.errorLines()
        for line in words { log("model: \(line)") }
        let last = words.last.map { "; its last words: \($0.prefix(120))" } ?? ""
        forget()
        return ModelFailure(.down, why + last)
    }

    private func forget() {
        process?.kill()
        process = nil
        pending = nil
    }

    /// Counts a loss and sets how many calls to wait before restarting;
    /// the text to append to the failure.
    private func backOff() -> String {
        losses += 1
        skip = min(288, 1 << min(losses - 1, 9))
        return "; restarting in \(Self.calls(skip))"
    }

    private static func calls(_ n: Int) -> String { n == 1 ? "1 call" : "\(n) calls" }

    /// The model's stderr goes to the host's log.
    private func forwardStderr() {
        for line in process?.errorLines() ?? [] { log("model: \(line)") }
    }

    func stop() {
        if let p = process, p.isRunning {
            try? p.send(#"{"jsonrpc":"2.0","method":"shutdown"}"#, timeoutMs: 100)
            _ = p.waitForExit(timeoutMs: 500)  // a chance to save its state
        }
        forget()
    }
}
