import MantaIO

/// Failed logins, per peer address: after `freeFailures` in a minute, each
/// further attempt from that address must wait, twice as long each time (up
/// to a minute), and is refused unchecked until then; so a token cannot be
/// guessed at line rate. Only the first failures of a minute are audited
/// row by row; the rest are counted into the next row, so a flood of wrong
/// tokens cannot flood the audit log either.
@LoopActor
final class LoginGuard {
    private struct Peer {
        var windowStartMs: Int64
        var failures = 0
        var unaudited = 0
        var blockedUntilMs: Int64 = 0
    }

    private var peers: [String: Peer] = [:]
    let freeFailures = 5
    private let windowMs: Int64 = 60_000

    /// ms the peer must still wait before it may try, or nil.
    func wait(_ host: String, nowMs: Int64 = WallClock.monotonicMs()) -> Int64? {
        guard let p = peers[host], p.blockedUntilMs > nowMs else { return nil }
        return p.blockedUntilMs - nowMs
    }

    /// Counts a failure; returns the audit note to write, or nil when this
    /// failure is only counted.
    func failed(_ host: String, nowMs: Int64 = WallClock.monotonicMs()) -> String? {
        var p = peers[host] ?? Peer(windowStartMs: nowMs)
        var carried = 0
        if nowMs - p.windowStartMs > windowMs {
            carried = p.unaudited
            p = Peer(windowStartMs: nowMs, blockedUntilMs: p.blockedUntilMs)
        }
        p.failures += 1
        if p.failures > freeFailures {
            let doubling = min(p.failures - freeFailures, 8)
            p.blockedUntilMs = nowMs + min(windowMs, Int64(250) << doubling)
        }
        defer { peers[host] = p }
        if peers.count > 10_000 { peers = peers.filter { nowMs - $0.value.windowStartMs <= windowMs } }
        guard p.failures <= freeFailures else {
            p.unaudited += 1
            return nil
        }
        return carried > 0 ? "unknown token (and \(carried) more failed logins from \(host) in the minute before, not audited one by one)"
            : "unknown token"
    }

    func succeeded(_ host: String) { peers[host] = nil }
}
