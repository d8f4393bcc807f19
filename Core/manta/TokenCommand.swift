import ArgumentParser
import Glibc
import MantaHost

/// `manta token hash`: what to put in api.tokens[].sha256, so that a
/// config need never hold the token itself.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "API tokens.", subcommands: [Hash.self])

    struct Hash: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the SHA-256 of a token (read from standard input, first line) for api.tokens[].sha256.")

        func run() throws {
            guard let line = readLine(strippingNewline: true), line.utf8.count >= 16 else {
                printError("manta token hash: give the token (16 bytes or more) on standard input")
                throw ExitCode(2)
            }
            print(TokenHash.hex(TokenHash.digest(line)))
        }
    }
}
