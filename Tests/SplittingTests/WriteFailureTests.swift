import CaptureIO
import Foundation
import TestSupport
import Testing
@testable import Splitting

/// Write failures name the piece, leave no partial file, and keep earlier pieces valid.
@Suite(.serialized) struct WriteFailureTests {
    @Test("A missing directory: .writeFailed naming the piece")
    func missingDirectory() throws {
        let missing = "/nonexistent-\(UUID().uuidString)/o.pcap"
        #expect {
            try SplitTestSupport.split(SplitTestSupport.fixture, missing) { $0.boundary = .packets(100) }
        } throws: { error in
            guard let error = error as? CaptureError else { return false }
            return error.kind == .writeFailed && error.path.hasPrefix(missing.dropLast(5) + "_00000_")
        }
    }

    @Test("A full disk (64 KiB tmpfs): .writeFailed naming the piece; earlier pieces stay valid, no partial file")
    func fullDisk() throws {
        let mountPoint = try SplitTestSupport.scratchDirectory("full")
        defer { SplitTestSupport.remove(mountPoint) }
        guard let mount = ExternalTool.path("mount"), let umount = ExternalTool.path("umount"),
              (try ExternalTool.run(mount, ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint])).status == 0 else {
            print("cannot mount a small tmpfs here (not root?): skipping the full-disk test")
            return
        }
        defer { _ = try? ExternalTool.run(umount, [mountPoint]) }
        var thrown: CaptureError?
        do {
            // Small buffers so the earlier pieces reach the disk before it fills.
            try SplitTestSupport.split(SplitTestSupport.fixture, "\(mountPoint)/o.pcap") {
                $0.boundary = .packets(20)
                $0.bufferSize = 64 << 10
            }
        } catch let error as CaptureError {
            thrown = error
        }
        let error = try #require(thrown)
        #expect(error.kind == .writeFailed)
        #expect(error.description.contains("No space left on device"))
        let names = SplitTestSupport.listing(mountPoint)
        #expect(!names.contains { $0.hasPrefix(".") }, "a partial file was left: \(names)")
        #expect(error.path.hasPrefix("\(mountPoint)/o_"))
        #expect(!names.contains { error.path.hasSuffix($0) })
        #expect(!names.isEmpty)
        if let capinfos = ExternalTool.path("capinfos") {
            for name in names {
                let info = try ExternalTool.run(capinfos, ["-c", "\(mountPoint)/\(name)"])
                #expect(info.status == 0 && info.output.contains("Number of packets:   20"), "\(name): \(info.error)")
            }
        }
    }
}
