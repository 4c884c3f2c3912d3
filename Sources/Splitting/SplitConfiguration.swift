import CaptureIO

/// What `glancetrace split` does: where pieces end, which packets it keeps, how it writes them.
package struct SplitConfiguration: Sendable {
    /// Where one piece ends and the next begins.
    package enum Boundary: Sendable, Equatable {
        /// At most this many packets per piece (editcap `-c`).
        case packets(Int)
        /// Intervals of this many nanoseconds from the first packet (editcap `-i`): a packet
        /// goes to the next interval when its time is strictly after the current interval's end,
        /// and intervals without packets still get their (empty) piece, as editcap does.
        case interval(nanoseconds: Int64)
    }

    package var boundary: Boundary
    /// nil: the input's format.
    package var outputFormat: CaptureOutputFormat?
    /// Keep packets at or after this time (`-A`).
    package var start: Timestamp?
    /// Keep packets strictly before this time (`-B`).
    package var stop: Timestamp?
    /// Keep only TCP/UDP packets with either port in this set; empty keeps all.
    package var ports: Set<UInt16> = []
    /// A BPF expression (tcpdump syntax) packets must match.
    package var filter: String?
    /// With `.packets`: end a piece only where no TCP connection is open (see `ConnectionCut`).
    package var byConnection = false
    /// With `byConnection`: how far past N packets a piece may grow before a cut is forced
    /// (see `ConnectionCut`); 0 means 4 × N.
    package var connectionCap = 0
    /// Cut bulk HTTP body bytes to zero captured bytes (see `HTTPSlimming`).
    package var slim = false
    /// With `slim`: which requests carry bulk data, by method and path (the target without its
    /// query). The splitter knows no application: the caller hands its rule down (glancetrace's
    /// image-data routes). Bodies sent as `application/octet-stream` are bulk whatever it says.
    package var bulkRequest: @Sendable (_ method: String, _ path: String) -> Bool = { _, _ in false }
    /// Which reader opens the input.
    package var readerKind: CaptureReaderKind = .native
    /// Output buffer per piece.
    package var bufferSize = 1 << 20

    package init(boundary: Boundary) {
        self.boundary = boundary
    }
}

/// One piece written by the splitter.
package struct SplitPiece: Sendable {
    package var path: String
    package var packets: Int
    package var bytes: Int
    /// Why the piece ended (by-connection mode); nil for plain -c / -i pieces and the last one.
    package var cut: ConnectionCut.Kind?
}

/// What a split did.
package struct SplitSummary: Sendable {
    package var pieces: [SplitPiece] = []
    package var packetsRead = 0
    package var packetsWritten = 0
    /// Captured bytes of the input's packets and of what was written (they differ with --slim).
    package var capturedBytesRead = 0
    package var capturedBytesWritten = 0
    /// The input's damaged tail, if reading stopped early.
    package var warning: CaptureWarning?
    /// Things the user should know (forced cuts, a pcapng fed to pcap output ...).
    package var notes: [String] = []
}
