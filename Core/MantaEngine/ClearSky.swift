import Glibc

/// Clear-sky solar position and irradiance: enough physics for a PV
/// simulator to rise and set with the real sun at a real place.
public enum ClearSky {
    /// Cosine of the solar zenith angle at a place and instant, from the
    /// NOAA low-accuracy solar position equations (declination and equation
    /// of time from the fractional year), good to about 0.5 degrees.
    public static func cosZenith(latitude: Double, longitude: Double, utcMs: Int64) -> Double {
        let dayMs = 86_400_000.0
        let t = Double(utcMs)
        // Days into the tropical year, counted from 1970-01-01T00:00Z (which
        // began one): the phase the declination formula wants, with the
        // time of day already in its fraction.
        let yearDays = 365.2422
        let daysIntoYear = (t / dayMs).truncatingRemainder(dividingBy: yearDays)
        let phase = daysIntoYear < 0 ? daysIntoYear + yearDays : daysIntoYear
        let hourUTC = (t.truncatingRemainder(dividingBy: dayMs) + dayMs).truncatingRemainder(dividingBy: dayMs) / 3_600_000
        let g = 2 * Double.pi / 365 * (phase - 0.5)
        let eqTime = 229.18 * (0.000075 + 0.001868 * cos(g) - 0.032077 * sin(g)
            - 0.014615 * cos(2 * g) - 0.040849 * sin(2 * g))
        let decl = 0.006918 - 0.399912 * cos(g) + 0.070257 * sin(g) - 0.006758 * cos(2 * g)
            + 0.000907 * sin(2 * g) - 0.002697 * cos(3 * g) + 0.00148 * sin(3 * g)
        let solarMinutes = hourUTC * 60 + eqTime + 4 * longitude
        let hourAngle = (solarMinutes / 4 - 180) * Double.pi / 180
        let lat = latitude * Double.pi / 180
        return sin(lat) * sin(decl) + cos(lat) * cos(decl) * cos(hourAngle)
    }

    /// Global horizontal irradiance under a clear sky, W/m2, by Haurwitz's
    /// model: GHI = 1098 cos(z) exp(-0.057 / cos(z)); zero with the sun down.
    public static func ghi(cosZenith cz: Double) -> Double {
        guard cz > 0.01 else { return 0 }
        return 1098 * cz * exp(-0.057 / cz)
    }
}
