import Glibc
import MantaHost

// manta-runner FD LIBRARY MANIFEST HOST_PID: runs one plugin instance for
// a host that isolates it (docs/ARCHITECTURE.md). Started by the host only:
// FD is its end of a socketpair, which carries every call and callback.
let args = CommandLine.arguments
guard args.count == 5, let fd = Int32(args[1]), fd >= 0, let host = Int32(args[4]) else {
    let usage = "usage: manta-runner FD LIBRARY MANIFEST HOST_PID (started by mantad for a process-isolated plugin)\n"
    _ = usage.withCString { write(2, $0, strlen($0)) }
    exit(64)
}
exit(PluginRunner.serve(fd: fd, library: args[2], manifestPath: args[3], hostPID: host))
