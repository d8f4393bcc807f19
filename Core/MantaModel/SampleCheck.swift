/// The verdict on one incoming sample.
public enum SampleCheck: Sendable, Equatable {
    /// Keep it with this (possibly downgraded) quality; `reason` says why
    /// when it was downgraded.
    case accept(Quality, reason: String?)
    /// Do not keep it: the point is unknown or does not apply to the device.
    case reject(reason: String)
}

extension PointCatalog {
    /// Judges a sample for `device`: unknown or inapplicable points are
    /// rejected; values that are not finite or lie outside the point's
    /// physical range are accepted but flagged invalid, so that they are kept
    /// for the record and never used as good.
    public func check(point: UInt32, value: Double, quality: Quality, device: DeviceDescriptor) -> SampleCheck {
        guard let def = self[point] else { return .reject(reason: "unknown point id \(point)") }
        guard def.applies(to: device.kind) else {
            return .reject(reason: "point \(def.name) does not apply to a \(device.kind.name)")
        }
        guard value.isFinite else { return .accept(.invalid, reason: "\(def.name) is \(value)") }
        if case .enumeration(let codes) = def.type, value.rounded() != value || abs(value) > 1e9 || codes[Int(value)] == nil {
            return .accept(.invalid, reason: "\(def.name) = \(value) is not one of its codes (\(codes.keys.sorted().map(String.init).joined(separator: ", ")))")
        }
        if let min = def.min, value < min {
            return .accept(.invalid, reason: "\(def.name) = \(value) is below \(min) \(def.unit)")
        }
        if let max = def.max, value > max {
            return .accept(.invalid, reason: "\(def.name) = \(value) is above \(max) \(def.unit)")
        }
        if let factor = def.ratingFactor {
            let bound = device.ratings.largestPowerW * factor
            if bound.isFinite, abs(value) > bound {
                return .accept(.invalid, reason: "\(def.name) = \(value) exceeds \(factor) x the device rating (\(bound) \(def.unit))")
            }
        }
        return .accept(quality, reason: nil)
    }
}
