import CaptureIO
import MySQLDecoding
import Testing
@testable import Timeline

/// The session attribution rules, each on a few hand-made facts (times in milliseconds).
@Suite struct SQLAttributionTests {
    static func ms(_ value: Int64) -> Timestamp { Timestamp(nanoseconds: value * 1_000_000) }

    /// Builds facts in time order; `sql` entries are (connection, start ms, command, statement).
    struct Facts {
        var http: [HTTPFact] = []
        var sql: [SQLFact] = []

        mutating func request(_ start: Int64, _ end: Int64, service: String = "keystone", method: String = "GET",
                              path: String = "/v3/auth/tokens", server: String = "127.0.0.1:5000", imageID: String? = nil,
                              operation: String = "", issuedAt: String? = nil) -> Int {
            var fact = HTTPFact(index: http.count, time: ms(start), end: ms(end), connection: http.count, client: "c",
                                server: server, service: service, operation: OpenStackOperation(rawValue: operation), method: method, path: path,
                                status: 200, imageID: imageID)
            fact.tokenIssuedAt = issuedAt
            http.append(fact)
            return fact.index
        }

        /// A pooled checkout: ping, the statements, ROLLBACK; 1 ms apart from `start`.
        mutating func session(_ connection: Int, _ start: Int64, _ statements: [String], database: String = "keystone") {
            var time = start
            for (command, text) in [(MySQLCommand.ping, "")] + statements.map({ (MySQLCommand.query, $0) }) + [(.query, "ROLLBACK")] {
                sql.append(SQLFact(index: sql.count, time: ms(time), end: ms(time), connection: connection, client: "c",
                                   user: nil, database: database, command: command, statement: text, outcome: .none))
                time += 1
            }
        }

        func timeline() -> ImageTimeline {
            ImageTimelineBuilder.build(http: http.sorted { $0.time < $1.time }, sql: sql.sorted { $0.time < $1.time })
        }

        /// Links of the statements that are not pings, in order.
        func links(_ timeline: ImageTimeline) -> [SQLAttributionLink?] {
            sql.sorted { $0.time < $1.time }.enumerated().filter { $0.element.command == .query }.map { timeline.attribution(ofSQL: $0.offset) }
        }
    }

    @Test func sessionsSplitAtPingsAndReturnsAndJoinANewConnectionsSetupToItsFirstWork() {
        func statement(_ connection: Int, _ time: Int64, _ kind: AttributionInput.StatementKind) -> AttributionInput.Statement {
            AttributionInput.Statement(position: Int(time), connection: connection, start: time, end: time, kind: kind)
        }
        let statements = [
            statement(1, 0, .connect), statement(1, 1, .setup), statement(1, 2, .transactionEnd), statement(1, 3, .setup),
            statement(1, 4, .transactionEnd), statement(1, 5, .checkout), statement(1, 6, .work), statement(1, 7, .transactionEnd),
            statement(1, 8, .checkout), statement(1, 9, .work), statement(1, 10, .transactionEnd), statement(1, 11, .transactionEnd),
            statement(1, 12, .work), statement(2, 13, .work), statement(1, 14, .quit),
        ]
        let sessions = SQLSessionSplitter.sessions(of: statements)
        #expect(sessions.map { $0.statements.map { statements[$0].start } } == [
            [0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11], [12], [13], [14],
        ])
    }

    @Test func statementKindsFollowTheCommandAndFirstWord() {
        func kind(_ command: MySQLCommand, _ statement: String) -> AttributionInput.StatementKind {
            AttributionInput.StatementKind(SQLFact(index: 0, time: .zero, end: .zero, connection: 0, client: "", user: nil,
                                                   database: nil, command: command, statement: statement, outcome: .none))
        }
        #expect(kind(.ping, "") == .checkout)
        #expect(kind(.query, "  rollback") == .transactionEnd)
        #expect(kind(.query, "COMMIT") == .transactionEnd)
        #expect(kind(.query, "SET NAMES utf8") == .setup)
        #expect(kind(.query, "SELECT @@tx_isolation") == .setup)
        #expect(kind(.query, "SELECT images.id FROM images") == .work)
        #expect(kind(.connect, "glance@127.0.0.1 on glance") == .connect)
    }

    /// A single-threaded worker's connection (Keystone's): two token requests overlap on the wire
    /// (the second waited in the listen queue). The sessions after the first one's end are the
    /// second's alone; those before could be either's, and one connection cannot tell: ambiguous.
    @Test func anExclusiveConnectionGivesEachRunToTheRequestThatEndsAfterIt() {
        var facts = Facts()
        let first = facts.request(0, 64, method: "POST")
        let second = facts.request(10, 300, method: "POST")
        facts.session(7, 20, ["SELECT user.id FROM user"])
        facts.session(7, 60, ["SELECT project.id FROM project"])
        facts.session(7, 110, ["SELECT user.id FROM user"])
        facts.session(7, 250, ["SELECT role.id FROM role"])
        let links = facts.links(facts.timeline())
        #expect(links.prefix(4).allSatisfy { $0 == .ambiguous([first, second]) })
        #expect(links.suffix(4).allSatisfy { $0 == .certain(second) })
    }

    /// The same, where the second request could own the first run only by answering long after
    /// its last session (188 ms), while the first answers as its run ends and a third, taking the
    /// later run, 1 ms after it: the tight reading is likely.
    @Test func aReadingWhoseResponsesFollowTightlyIsLikely() {
        var facts = Facts()
        let first = facts.request(0, 62, method: "POST")
        _ = facts.request(10, 300, method: "POST")
        let third = facts.request(100, 113, method: "POST")
        facts.session(7, 20, ["SELECT user.id FROM user"])
        facts.session(7, 60, ["SELECT project.id FROM project"])
        facts.session(7, 110, ["SELECT user.id FROM user"])
        let links = facts.links(facts.timeline())
        #expect(links.prefix(4).allSatisfy { $0 == .likely(first) })
        #expect(links.suffix(2).allSatisfy { $0 == .likely(third) })
    }

    /// Two single-threaded workers, each with its connection, serve two overlapping requests: the
    /// request that certainly closes on one connection cannot own the other's run.
    @Test func aRequestCertainOnOneExclusiveConnectionLeavesTheOthers() {
        var facts = Facts()
        let a = facts.request(0, 50, method: "POST")
        let b = facts.request(5, 200, method: "POST")
        facts.session(1, 10, ["SELECT user.id FROM user"])       // only a and b are in progress
        facts.session(1, 45, ["SELECT project.id FROM project"]) // a ends 3 ms later: the run closes
        facts.session(2, 60, ["SELECT role.id FROM role"])       // after a's end: b alone
        facts.session(2, 150, ["SELECT role.id FROM role"])
        let links = facts.links(facts.timeline())
        #expect(links.map { $0?.http } == [a, a, a, a, b, b, b, b])
    }

    /// Glance's threads share a connection: sessions naming different images interleave, so each
    /// session stands alone, and one that names nothing between two requests is ambiguous.
    @Test func aSharedConnectionJudgesEachSessionAlone() {
        var facts = Facts()
        let a = "11111111-1111-1111-1111-111111111111", b = "22222222-2222-2222-2222-222222222222"
        let showA = facts.request(0, 200, service: "glance", path: "/v2/images/\(a)", server: "127.0.0.1:9292", imageID: a)
        let showB = facts.request(5, 210, service: "glance", path: "/v2/images/\(b)", server: "127.0.0.1:9292", imageID: b)
        facts.session(3, 20, ["SELECT images.id FROM images WHERE images.id = '\(a)'"], database: "glance")
        facts.session(3, 40, ["SELECT images.id FROM images WHERE images.id = '\(b)'"], database: "glance")
        facts.session(3, 60, ["SELECT image_tags.value FROM image_tags WHERE image_tags.image_id = '\(a)'"], database: "glance")
        facts.session(3, 80, ["SELECT 1"], database: "glance")
        let links = facts.links(facts.timeline())
        #expect(links.prefix(6).map { $0?.http } == [showA, showA, showB, showB, showA, showA])
        #expect(links[6] == .ambiguous([showA, showB]))
        #expect(links[7] == .ambiguous([showA, showB]))
    }

    /// On a shared connection, a response that follows a session closely proves nothing: the
    /// session stays ambiguous among the requests in progress.
    @Test func aSharedConnectionsSessionDoesNotGoToTheRequestThatEndsNext() {
        var facts = Facts()
        let a = "11111111-1111-1111-1111-111111111111", b = "22222222-2222-2222-2222-222222222222"
        let showA = facts.request(0, 200, service: "glance", path: "/v2/images/\(a)", server: "127.0.0.1:9292", imageID: a)
        let showB = facts.request(5, 210, service: "glance", path: "/v2/images/\(b)", server: "127.0.0.1:9292", imageID: b)
        let list = facts.request(10, 100, service: "glance", path: "/v2/images", server: "127.0.0.1:9292")
        facts.session(3, 20, ["SELECT images.id FROM images WHERE images.id = '\(a)'"], database: "glance")
        facts.session(3, 40, ["SELECT images.id FROM images WHERE images.id = '\(b)'"], database: "glance")
        facts.session(3, 90, ["SELECT images.id FROM images ORDER BY created_at"], database: "glance")
        let links = facts.links(facts.timeline())
        #expect(links[4] == .ambiguous([showA, showB, list]))
    }

    /// Two validations of tokens issued in different seconds: the revocation check names the
    /// token's issue time, which only one of the two responses carries.
    @Test func aTokensIssueTimeTiesTheRevocationCheckToItsValidation() {
        var facts = Facts()
        let early = facts.request(0, 100, operation: "token-validate", issuedAt: "2026-12-06T02:01:07.000000Z")
        let late = facts.request(0, 100, operation: "token-validate", issuedAt: "2026-12-06T02:01:09.000000Z")
        facts.session(1, 10, ["SELECT revocation_event.id FROM revocation_event WHERE revocation_event.issued_before >= '2026-12-06 02:01:09'"])
        facts.session(2, 20, ["SELECT revocation_event.id FROM revocation_event WHERE revocation_event.issued_before >= '2026-12-06 02:01:07'"])
        let links = facts.links(facts.timeline())
        #expect(links.map { $0?.http } == [late, late, early, early])
    }

    /// haproxy's TLS side of a call encloses the plain leg Glance answered: the SQL is the plain leg's.
    @Test func aProxysFrontLegGivesWayToTheLegNearestTheServer() {
        var facts = Facts()
        let id = "33333333-3333-3333-3333-333333333333"
        _ = facts.request(0, 100, service: "glance", path: "/v2/images/\(id)", server: "127.0.0.1:13292", imageID: id)
        let back = facts.request(2, 98, service: "glance", path: "/v2/images/\(id)", server: "127.0.0.1:9292", imageID: id)
        facts.session(4, 10, ["SELECT images.id FROM images WHERE images.id = '\(id)'"], database: "glance")
        let links = facts.links(facts.timeline())
        #expect(links.allSatisfy { $0 == .certain(back) })
    }

    /// A pool opened before the capture sends no login: its tables say whose it is.
    @Test func aWarmPoolsServiceIsKnownByItsTables() {
        var facts = Facts()
        let keystone = facts.request(0, 100)
        _ = facts.request(0, 100, service: "glance", method: "GET", path: "/v2/images", server: "127.0.0.1:9292")
        facts.session(9, 10, ["SELECT local_user.id FROM local_user"], database: "")
        let links = facts.links(facts.timeline())
        #expect(links.allSatisfy { $0 == .certain(keystone) })
        #expect(ServiceIdentity.service(user: "glance", database: nil) == "glance")
    }

    /// A login that names no service is read again when it changes: a connection whose `Init DB`
    /// names the service after several statements belongs to it (its login outranks the tables it
    /// touched before); one whose login never names one is known by its tables; a login that named
    /// a service keeps it.
    @Test func aLoginThatNamesTheServiceAfterSeveralStatementsIsRead() {
        var sql: [SQLFact] = []
        func statement(_ connection: Int, _ database: String?, _ text: String, _ command: MySQLCommand = .query) {
            sql.append(SQLFact(index: sql.count, time: Self.ms(Int64(sql.count)), end: Self.ms(Int64(sql.count)), connection: connection,
                               client: "c", user: "ops", database: database, command: command, statement: text, outcome: .none))
        }
        statement(1, nil, "SELECT local_user.id FROM local_user")
        statement(2, "nova", "SELECT 1")
        statement(3, "keystone", "SELECT 1")
        statement(1, nil, "SELECT 1")
        statement(2, "nova", "SELECT images.id FROM images")
        statement(1, nil, "SELECT 2")
        statement(1, "glance", "glance", .initDB)
        statement(3, "glance", "glance", .initDB)
        statement(1, "glance", "SELECT 3")
        let input = AttributionInput(sql: SQLFactStore(sql), http: HTTPFactStore([]))
        #expect(input.serviceOfConnection == [1: "glance", 2: "glance", 3: "keystone"])
    }

    @Test func quotedLiteralsAreMatchedOnlyWhenARequestCarriesThem() {
        var names = NameTable()
        let id = names.intern("44444444-4444-4444-4444-444444444444")
        let time = names.intern("2026-12-06 02:01:07")
        let text = "SELECT 1 FROM t WHERE a = '44444444-4444-4444-4444-444444444444' AND b = 'it''s' AND c >= '2026-12-06 02:01:07' AND d = 'x'"
        var bytes = Array(text.utf8)
        let found = bytes.withUnsafeMutableBytes { names.literals(in: UnsafeRawBufferPointer($0)) }
        #expect(found == [id, time])
        #expect(AttributionInput.sqlDateTime("2026-12-06T02:01:07.000000Z") == "2026-12-06 02:01:07")
    }

    @Test func statementsNoRequestSpansStayUnattributed() {
        var facts = Facts()
        _ = facts.request(0, 10)
        facts.session(1, 50, ["SELECT user.id FROM user"])
        #expect(facts.links(facts.timeline()).allSatisfy { $0 == nil })
    }
}
