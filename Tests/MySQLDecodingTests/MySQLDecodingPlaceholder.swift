import Testing
@testable import MySQLDecoding
