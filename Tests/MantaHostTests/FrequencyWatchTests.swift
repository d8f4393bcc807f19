import MantaEngine
import MantaTestSupport
import Testing
@testable import MantaHost

/// Frequency events from devices' own samples: the event opens at the first
/// reading outside 49.85-50.15 Hz, each device's baseline is its power from
/// before that reading, delivery is taken at 1 s, 6 s, 60 s and 5 min, and
/// the next excursion waits until the event has been reported.
@Suite @LoopActor struct FrequencyEvents {
    let watch: FrequencyWatch
    var reported: [FrequencyWatch.Event] { box.events }
    private let box = Box()

    final class Box { var events: [FrequencyWatch.Event] = []; var opened: [Int64] = [] }

    init() throws {
        watch = FrequencyWatch(catalog: try CatalogFile.load(path: TestPaths.root + "/registry/catalog/points.json"))
        let box = self.box
        watch.onEvent = { box.events.append($0) }
        watch.onOpen = { box.opened.append($0) }
    }

    /// Two devices publishing once a second: power, then frequency, as the sim does.
    func second(_ t: Int64, hz: Double, powers: [Double]) {
        for (d, w) in powers.enumerated() { watch.sample(UInt32(d), point: watch.powerPoint, value: w, timeMs: t * 1000) }
        watch.sample(0, point: watch.hzPoint, value: hz, timeMs: t * 1000)
    }

    @Test func anUnderFrequencyEventIsMeasuredAtEachServicesTimeFrame() {
        for t: Int64 in 0..<10 { second(t, hz: 50.02, powers: [-1000, 0]) }
        #expect(box.opened.isEmpty)
        // At t = 10 the frequency falls and the devices already answer in the same batch.
        for t in Int64(10)...320 {
            let dip = t < 70 ? 49.5 - Double(t - 10) / 100 : 50.0
            second(t, hz: dip, powers: [-1000 + Double(t - 9) * 10, Double(t - 9)])
        }
        #expect(box.opened == [10_000])
        #expect(reported.count == 1)
        let e = reported[0]
        #expect(e.startMs == 10_000 && e.low)
        // The baseline is from before the event: t = 9, not the answering sample at t = 10.
        #expect(e.baselineW == [0: -1000, 1: 0])
        let device0: [Double] = e.powerW.map { $0[0] ?? .nan }, device1: [Double] = e.powerW.map { $0[1] ?? .nan }
        #expect(device0 == [-980, -930, -390, 2010])
        #expect(device1 == [2, 7, 61, 301])
        let expectedHz: [Double] = [49.5 - 1.0 / 100, 49.5 - 6.0 / 100, 50, 50]
        #expect(e.hz == expectedHz)
        #expect(e.extremeHz == 49.5 - 59.0 / 100)
    }

    @Test func theEventClosesAfterFiveMinutesAndTheNextExcursionOpensAnother() {
        second(0, hz: 50, powers: [0, 0])
        second(1, hz: 50.3, powers: [0, 0])
        // Over-frequency for the whole window: still one event, reported once the 5 min sample is in.
        for t in Int64(2)...301 { second(t, hz: 50.3, powers: [-10, -10]) }
        #expect(reported.count == 1 && !reported[0].low && reported[0].extremeHz == 50.3)
        // The next reading, still outside the band, opens the next event.
        #expect(box.opened == [1_000])
        second(302, hz: 50.3, powers: [-10, -10])
        #expect(box.opened == [1_000, 302_000])
    }

    @Test func aDeviceThatStopsReportingIsWaitedForOnlySoLong() {
        second(0, hz: 50, powers: [0, 0])
        second(1, hz: 49.0, powers: [5, 5])
        // Device 1 falls silent; device 0 carries on. The event still closes, 10 s after its 5 min.
        for t in Int64(2)...320 {
            watch.sample(0, point: watch.powerPoint, value: 5, timeMs: t * 1000)
            watch.sample(0, point: watch.hzPoint, value: 49.9, timeMs: t * 1000)
        }
        #expect(reported.count == 1)
        #expect(reported[0].powerW[3][0] == 5 && reported[0].powerW[3][1] == nil)
    }

    @Test func aProportionalResponseOwesInProportionToTheDeviationBeyondTheBand() {
        #expect(FrequencyDroop.share(at: 49.9, raise: true, fullResponseHz: 0.5) == 0)
        #expect(abs(FrequencyDroop.share(at: 49.675, raise: true, fullResponseHz: 0.5) - 0.5) < 1e-12)
        #expect(FrequencyDroop.share(at: 48.99, raise: true, fullResponseHz: 0.5) == 1)
        #expect(abs(FrequencyDroop.share(at: 50.325, raise: false, fullResponseHz: 0.5) - 0.5) < 1e-12)
        #expect(FrequencyDroop.share(at: 49.0, raise: false, fullResponseHz: 0.5) == 0)
    }
}
