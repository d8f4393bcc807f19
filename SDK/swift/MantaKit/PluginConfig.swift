import MantaJSON

/// Reading a plugin's configuration into a `Decodable` struct.
///
/// The host validates a config against the manifest's `config_schema` and
/// fills in its defaults before `create` (ABI rule 8), so the struct takes
/// its defaults from the manifest only: a property the manifest gives a
/// default is non-optional, one it leaves out is optional. Should a host
/// pass a config without them anyway, the missing field is named in the
/// error instead of a default being guessed here.
public enum PluginConfig {
    /// `json` as a `T`; a field that does not fit is a `.config` error
    /// naming it (`battery.capacity_wh: must be number, got string`).
    public static func decode<T: Decodable>(_ type: T.Type = T.self, from json: JSON) throws(PluginError) -> T {
        do {
            return try JSONValueDecoder().decode(T.self, from: json)
        } catch {
            throw .config(error.description)
        }
    }
}
