import ArgumentParser
import Glibc
import MantaHost
import MantaJSON
import MantaTools

/// `manta rpc METHOD [PARAMS...]`: one call against a running mantad.
struct RPCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc",
        abstract: "Call a JSON-RPC method on a running host.",
        discussion: """
            PARAMS is one JSON object or array ('{"limit": 5}'), or key=value pairs (limit=5 \
            vpp=vic-homes), where each value is read as JSON when it parses and as a string otherwise.

            Examples:
              manta rpc host.info
              manta rpc dispatch.history limit=10
              manta rpc telemetry.latest device=homes/vic-home-001.battery
              manta rpc rpc.discover --json
            """)

    @Argument(help: "Method name, e.g. host.info (rpc.discover lists them all).")
    var method: String

    @Argument(help: "Params: a JSON object/array, or key=value pairs.")
    var params: [String] = []

    @OptionGroup var host: HostOptions

    @Flag(help: "Print the raw JSON result.")
    var json = false

    func run() throws {
        let p: JSON?
        do { p = try RPCCommand.parseParams(params) } catch { throw ValidationError(error.description) }
        do {
            let client = try host.connect(timeoutMs: 5000)
            let response = try client.call(method, p)
            if let error = response["error"] {
                if json { print(error.pretty()) } else {
                    print("error \(error["code"]?.integer ?? 0): \(error["message"]?.string ?? "")")
                    if let data = error["data"] { print(Render.text(data)) }
                }
                throw ExitCode(1)
            }
            let result = response["result"] ?? .null
            print(json ? result.pretty() : Render.text(result))
        } catch let e as RPCClient.Failure {
            printError("manta: \(e.message)")
            throw ExitCode(2)
        }
    }

    struct BadParams: Error, CustomStringConvertible { let description: String }

    static func parseParams(_ args: [String]) throws(BadParams) -> JSON? {
        guard let first = args.first else { return nil }
        if args.count == 1, first.hasPrefix("{") || first.hasPrefix("[") {
            do { return try JSON.parse(first) } catch { throw BadParams(description: "params are not JSON: \(error)") }
        }
        var object = JSONObject()
        for arg in args {
            guard let eq = arg.firstIndex(of: "="), eq != arg.startIndex else {
                throw BadParams(description: "expected key=value, got '\(arg)'")
            }
            let key = String(arg[..<eq]), text = String(arg[arg.index(after: eq)...])
            object[key] = (try? JSON.parse(text)) ?? .string(text)
        }
        return .object(object)
    }
}
