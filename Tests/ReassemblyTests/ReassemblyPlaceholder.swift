import Testing
@testable import Reassembly
