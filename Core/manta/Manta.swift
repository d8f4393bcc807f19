import ArgumentParser
import MantaHost

/// manta: the operator's command line and offline tools.
@main
struct Manta: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manta",
        abstract: "Operate a Manta VPP host and work with its plugins.",
        version: HostRuntime.version,
        subcommands: [RPCCommand.self, ReportCommand.self, PluginCommand.self, BacktestCommand.self, ArenaCommand.self, ForecastCommand.self, DiscoverCommand.self,
                      TokenCommand.self])
}
