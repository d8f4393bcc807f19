import ArgumentParser
import Glibc
import MantaTools

/// How a command reaches a running mantad: its address, the token to log
/// in with, and the CA to trust when the API is served over TLS.
struct HostOptions: ParsableArguments {
    @Option(name: .customLong("rpc"), help: "Host address.")
    var address = "127.0.0.1:7420"

    @Option(help: "API token (or set MANTA_TOKEN); reads need none unless the host asks for one.")
    var token: String?

    @Option(name: .customLong("tls-ca"),
            help: "PEM file of the CA to trust when the host serves its API over TLS (or set MANTA_TLS_CA).")
    var tlsCA: String?

    /// A connected client, logged in when a token is given.
    func connect(timeoutMs: Int) throws(RPCClient.Failure) -> RPCClient {
        let ca = tlsCA ?? HostOptions.environment("MANTA_TLS_CA")
        let client = try RPCClient(address: address, timeoutMs: timeoutMs, tlsCA: ca)
        if let t = token ?? HostOptions.environment("MANTA_TOKEN") {
            _ = try client.result("auth.login", ["token": .string(t)])
        }
        return client
    }

    private static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }
}
