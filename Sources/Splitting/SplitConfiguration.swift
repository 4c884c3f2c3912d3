import CaptureIO

/// What `glancetrace split` does: where pieces end, which packets it keeps, how it writes them.
public struct SplitConfiguration: Sendable {
    /// Where one piece ends and the next begins.
    public enum Boundary: Sendable, Equatable {
        /// At most this many packets per piece (editcap `-c`).
        case packets(Int)
        /// Intervals of this many nanoseconds from the first packet (editcap `-i`): a packet
        /// goes to the next interval when its time is strictly after the current interval's end,
        /// and intervals without packets still get their (empty) piece, as editcap does.
        case interval(nanoseconds: Int64)
    }

    public var boundary: Boundary
    /// nil: the input's format.
    public var outputFormat: CaptureOutputFormat?
    /// Keep packets at or after this time (`-A`).
    public var start: Timestamp?
    /// Keep packets strictly before this time (`-B`).
    public var stop: Timestamp?
    /// Keep only TCP/UDP packets with either port in this set; empty keeps all.
    public var ports: Set<UInt16> = []
    /// A BPF expression (tcpdump syntax) packets must match.
    public var filter: String?
    /// With `.packets`: end a piece only where no TCP connection is open (see `ConnectionCut`).
    public var byConnection = false
    /// With `byConnection`: how far past N packets a piece may grow before a cut is forced
    /// (see `ConnectionCut`); 0 means 4 × N.
    public var connectionCap = 0
    /// Cut bulk HTTP body bytes to zero captured bytes (see `HTTPSlimming`).
    public var slim = false
    /// With `slim`: which requests carry bulk data, by method and path (the target without its
    /// query). The splitter knows no application: the caller hands its rule down (glancetrace's
    /// image-data routes). Bodies sent as `application/octet-stream` are bulk whatever it says.
    public var bulkRequest: @Sendable (_ method: String, _ path: String) -> Bool = { _, _ in false }
    /// Which reader opens the input.
    public var readerKind: CaptureReaderKind = .native
    /// Output buffer per piece.
    public var bufferSize = 1 << 20

    public init(boundary: Boundary) {
        self.boundary = boundary
    }
}

/// One piece written by the splitter.
public struct SplitPiece: Sendable {
    public var path: String
    public var packets: Int
    public var bytes: Int
    /// Why the piece ended (by-connection mode); nil for plain -c / -i pieces and the last one.
    public var cut: ConnectionCut.Kind?
}

/// What a split did.
public struct SplitSummary: Sendable {
    public var pieces: [SplitPiece] = []
    public var packetsRead = 0
    public var packetsWritten = 0
    /// Captured bytes of the input's packets and of what was written (they differ with --slim).
    public var capturedBytesRead = 0
    public var capturedBytesWritten = 0
    /// The input's damaged tail, if reading stopped early.
    public var warning: CaptureWarning?
    /// Things the user should know (forced cuts, a pcapng fed to pcap output ...).
    public var notes: [String] = []
}
