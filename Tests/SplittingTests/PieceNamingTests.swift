import Testing
@testable import Splitting
