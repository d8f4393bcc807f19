extension String {
    /// The text a C function wrote into `buffer`, up to its first NUL (all of
    /// it when there is none): the error buffers libuv, OpenSSL and our C
    /// shims fill.
    public init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
