import Testing
@testable import CaptureIO
