import Testing
@testable import HTTPDecoding
