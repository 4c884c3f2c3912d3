/// Writes a pcapng file of one section: a Section Header Block, the Interface Description
/// Blocks and Decryption Secrets Blocks given so far, and Enhanced Packet Blocks.
///
/// Interfaces and secrets may be added while writing (pcapng allows IDBs and DSBs anywhere
/// before their first use), so a piece can be started before the reader has met every
/// interface. Timestamps are written in each interface's `if_tsresol`; `if_tsoffset` is
/// already in the records' times and is not written again.
public final class PcapngFileWriter: CaptureWriter {
    public var path: String { output.path }
    public private(set) var recordCount = 0
    public var bytesWritten: Int { output.bytesWritten }
    /// Interfaces written so far; `write` takes the record's `interfaceIndex` into this list.
    public private(set) var interfaces: [CaptureInterface] = []
    /// Number of secrets blocks written so far.
    public private(set) var secretsCount = 0

    private let output: BufferedFileOutput
    private var resolutions: [TimestampResolution] = []

    /// `inPlace` writes under `path` from the start (live capture, see `BufferedFileOutput`).
    public init(path: String, interfaces: [CaptureInterface] = [], secrets: [DecryptionSecrets] = [],
                application: String = "glancetrace", bufferSize: Int = 1 << 20, inPlace: Bool = false) throws(CaptureError) {
        output = try BufferedFileOutput(path: path, bufferSize: bufferSize, inPlace: inPlace)
        do {
            try writeSectionHeader(application: application)
            try add(interfaces: interfaces)
            try add(secrets: secrets)
        } catch {
            output.discard()
            throw error
        }
    }

    /// Writes IDBs for the interfaces of `all` beyond those already written (pass the reader's
    /// whole, growing list).
    public func add(interfaces all: [CaptureInterface]) throws(CaptureError) {
        while interfaces.count < all.count {
            let interface = all[interfaces.count]
            let resolution = TimestampResolution(unitsPerSecond: interface.timestampUnitsPerSecond)
            var options = OptionsBuilder()
            if let name = interface.name { options.add(code: 2, utf8: name) }
            if resolution.code != 6 { options.add(code: 9, bytes: [resolution.code]) }
            let body = 8 + options.bytes.count
            try output.write(UInt32(1))
            try output.write(UInt32(12 + body))
            try output.write(UInt16(truncatingIfNeeded: interface.linkType.rawValue))
            try output.write(UInt16(0))
            try output.write(UInt32(clamping: interface.snapLength))
            try writeBytes(options.bytes)
            try output.write(UInt32(12 + body))
            interfaces.append(interface)
            resolutions.append(resolution)
        }
    }

    /// Writes DSBs for the secrets of `all` beyond those already written.
    public func add(secrets all: [DecryptionSecrets]) throws(CaptureError) {
        while secretsCount < all.count {
            let secret = all[secretsCount]
            let padded = (secret.data.count + 3) & ~3
            let total = UInt32(clamping: 20 + padded)
            try output.write(UInt32(0x0000_000a))
            try output.write(total)
            try output.write(secret.type)
            try output.write(UInt32(clamping: secret.data.count))
            try writeBytes(secret.data)
            try output.writeZeros(padded - secret.data.count)
            try output.write(total)
            secretsCount += 1
        }
    }

    public func write(_ record: CaptureRecord, bytes: UnsafeRawBufferPointer, originalLength: Int) throws(CaptureError) {
        let index = record.interfaceIndex
        guard index >= 0, index < interfaces.count else {
            throw CaptureError(.writeFailed, path: path,
                               "packet of interface \(index) has no interface description (only \(interfaces.count) written)")
        }
        let units = resolutions[index].units(of: record.timestamp)
        let padded = (bytes.count + 3) & ~3
        let total = UInt32(truncatingIfNeeded: 32 + padded)
        try output.write(UInt32(6))
        try output.write(total)
        try output.write(UInt32(truncatingIfNeeded: index))
        try output.write(UInt32(truncatingIfNeeded: units >> 32))
        try output.write(UInt32(truncatingIfNeeded: units))
        try output.write(UInt32(truncatingIfNeeded: bytes.count))
        try output.write(UInt32(clamping: originalLength))
        try output.write(bytes)
        try output.writeZeros(padded - bytes.count)
        try output.write(total)
        recordCount += 1
    }

    public func finish() throws(CaptureError) { try output.commit() }

    /// Writes out what is buffered, so that readers of an in-place file see every packet so far.
    public func flush() throws(CaptureError) { try output.flush() }

    public func abandon() { output.discard() }

    private func writeSectionHeader(application: String) throws(CaptureError) {
        var options = OptionsBuilder()
        options.add(code: 4, utf8: application)  // shb_userappl
        let total = UInt32(28 + options.bytes.count)
        try output.write(UInt32(0x0a0d_0d0a))
        try output.write(total)
        try output.write(UInt32(0x1a2b_3c4d))
        try output.write(UInt16(1))
        try output.write(UInt16(0))
        // Section length -1: not known in advance (we stream).
        try output.write(UInt32.max)
        try output.write(UInt32.max)
        try writeBytes(options.bytes)
        try output.write(total)
    }

    private func writeBytes(_ bytes: [UInt8]) throws(CaptureError) {
        // withUnsafeBytes rethrows untyped; the only error inside is a CaptureError.
        do {
            try bytes.withUnsafeBytes { try output.write($0) }
        } catch let error as CaptureError {
            throw error
        } catch {
            throw CaptureError(.writeFailed, path: path, "writing failed: \(error)")
        }
    }
}

/// Options of a pcapng block in host byte order, ending with opt_endofopt.
struct OptionsBuilder {
    private(set) var body: [UInt8] = []

    mutating func add(code: UInt16, utf8 text: String) {
        add(code: code, bytes: Array(text.utf8.prefix(65_000)))
    }

    mutating func add(code: UInt16, bytes: [UInt8]) {
        withUnsafeBytes(of: code) { body.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(truncatingIfNeeded: bytes.count)) { body.append(contentsOf: $0) }
        body.append(contentsOf: bytes)
        while body.count % 4 != 0 { body.append(0) }
    }

    /// The options with their end marker, or nothing when there are none.
    var bytes: [UInt8] { body.isEmpty ? [] : body + [0, 0, 0, 0] }
}

/// An `if_tsresol` and the conversion of nanosecond timestamps into its units.
struct TimestampResolution {
    /// The option's byte: a power of ten, or 0x80 | a power of two.
    let code: UInt8
    let unitsPerSecond: UInt64

    init(unitsPerSecond requested: UInt64) {
        var units: UInt64 = 1
        for exponent in 0...19 {
            if units == requested {
                code = UInt8(exponent)
                unitsPerSecond = requested
                return
            }
            units = units &* 10
        }
        if requested > 0, requested & (requested - 1) == 0 {
            code = 0x80 | UInt8(requested.trailingZeroBitCount)
            unitsPerSecond = requested
            return
        }
        // Not expressible: write nanoseconds, which loses nothing we hold.
        code = 9
        unitsPerSecond = 1_000_000_000
    }

    /// `time` in these units since the epoch (times before 1970 clamp to 0: pcapng is unsigned).
    func units(of time: Timestamp) -> UInt64 {
        guard time.nanoseconds > 0 else { return 0 }
        let nanos = UInt64(time.nanoseconds)
        switch unitsPerSecond {
        case 1_000_000_000: return nanos
        case 1_000_000: return nanos / 1000
        default:
            let product = nanos.multipliedFullWidth(by: unitsPerSecond)
            let divisor: UInt64 = 1_000_000_000
            // The quotient overflows only for resolutions finer than 1 ns far in the future.
            guard product.high < divisor else { return UInt64.max }
            return divisor.dividingFullWidth((product.high, product.low)).quotient
        }
    }
}
