/// The host's id sequences: dispatch intervals, commands (dispatch and
/// control share one, so a command id names one setpoint whatever sent it)
/// and bids. Seeded from the store so that ids never repeat across runs.
@LoopActor
final class DispatchIDs {
    private var interval: Int64
    private var command: Int64
    private var bid: UInt64 = 1

    init(lastInterval: Int64, lastCommand: Int64) {
        interval = lastInterval + 1
        command = lastCommand + 1
    }

    func nextInterval() -> Int64 {
        defer { interval += 1 }
        return interval
    }

    func nextCommand() -> Int64 {
        defer { command += 1 }
        return command
    }

    /// The first of `count` consecutive command ids.
    func nextCommands(_ count: Int) -> Int64 {
        defer { command += Int64(count) }
        return command
    }

    func nextBid() -> UInt64 {
        defer { bid += 1 }
        return bid
    }
}
