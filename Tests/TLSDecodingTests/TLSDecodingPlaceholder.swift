import Testing
@testable import TLSDecoding
