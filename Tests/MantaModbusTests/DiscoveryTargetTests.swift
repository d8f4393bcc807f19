import Testing
@testable import MantaModbus

@Suite struct Targets {
    @Test func cidrBlocksExpandWithoutNetworkAndBroadcast() throws {
        let hosts = try DiscoveryTargets.hosts("192.168.1.0/24")
        #expect(hosts.count == 254 && hosts.first == "192.168.1.1" && hosts.last == "192.168.1.254")
        #expect(try DiscoveryTargets.hosts("10.0.0.7/32") == ["10.0.0.7"])
        #expect(try DiscoveryTargets.hosts("10.0.0.6/31") == ["10.0.0.6", "10.0.0.7"])
        #expect(try DiscoveryTargets.hosts("10.0.0.77/30") == ["10.0.0.77", "10.0.0.78"])
        #expect(try DiscoveryTargets.hosts("inverter.local") == ["inverter.local"])
    }

    @Test func portListsAndRanges() throws {
        #expect(try DiscoveryTargets.ports("502,1502,15020-15022") == [502, 1502, 15020, 15021, 15022])
        #expect(try DiscoveryTargets.ports("502, 502") == [502])
    }

    @Test func badTargetsAreNamed() {
        #expect(throws: DiscoveryTargets.Failure(description: "target 10.0.0.0/8: prefix must be /16 to /32 (at most 65536 addresses)")) {
            try DiscoveryTargets.hosts("10.0.0.0/8")
        }
        #expect(throws: DiscoveryTargets.Failure(description: "target 300.0.0.1/24: 300.0.0.1 is not an IPv4 address")) {
            try DiscoveryTargets.hosts("300.0.0.1/24")
        }
        #expect(throws: DiscoveryTargets.Failure(description: "ports: 15030-15020 is not a port or a range such as 15020-15030")) {
            try DiscoveryTargets.ports("15030-15020")
        }
    }
}
