import Testing
@testable import Reports

/// The page's template engine against examples of the Mustache specification
/// (github.com/mustache/spec, specs/*.yml: the templates, data and expected output are the spec's).
/// The report's own pages are checked byte for byte by the golden HTML files.
struct PageTemplateTests {
    static func render(_ template: String, _ data: TemplateValue, partials: [String: String] = [:]) throws -> String {
        try PageTemplate(template, partials: partials).render(data)
    }

    @Test func interpolationEscapesHTMLUnlessTripled() throws {
        // interpolation.yml "HTML Escaping", "Triple Mustache", "Ampersand".
        #expect(try Self.render("These characters should be HTML escaped: {{forbidden}}\n", ["forbidden": "& \" < >"])
            == "These characters should be HTML escaped: &amp; &quot; &lt; &gt;\n")
        #expect(try Self.render("These characters should not be HTML escaped: {{{forbidden}}}\n", ["forbidden": "& \" < >"])
            == "These characters should not be HTML escaped: & \" < >\n")
        #expect(try Self.render("These characters should not be HTML escaped: {{&forbidden}}\n", ["forbidden": "& \" < >"])
            == "These characters should not be HTML escaped: & \" < >\n")
        // "Dotted Names - Arbitrary Depth", "Dotted Names - Broken Chains", "Basic Context Miss".
        #expect(try Self.render(#""{{a.b.c.d.e.name}}" == "Phil""#, ["a": ["b": ["c": ["d": ["e": ["name": "Phil"]]]]]])
            == #""Phil" == "Phil""#)
        #expect(try Self.render(#""{{a.b.c}}" == """#, ["a": [:]]) == #""" == """#)
        #expect(try Self.render("I ({{cannot}}) be seen!", [:]) == "I () be seen!")
    }

    @Test func sectionsRepeatHideAndClimb() throws {
        // sections.yml "List", "Implicit Iterator - String", "Context"; the last after "Deeply Nested
        // Contexts" (a name missing inside `b` is found in `a`, further out).
        #expect(try Self.render(#""{{#list}}{{item}}{{/list}}""#, ["list": [["item": "1"], ["item": "2"], ["item": "3"]]]) == #""123""#)
        #expect(try Self.render(#""{{#list}}({{.}}){{/list}}""#, ["list": ["a", "b", "c", "d", "e"]]) == #""(a)(b)(c)(d)(e)""#)
        #expect(try Self.render(#""{{#context}}Hi {{name}}.{{/context}}""#, ["context": ["name": "Joe"]]) == #""Hi Joe.""#)
        #expect(try Self.render("{{#a}}{{one}}{{#b}}{{one}}{{two}}{{one}}{{/b}}{{one}}{{/a}}", ["a": ["one": .number(1)], "b": ["two": .number(2)]])
            == "11211")
        // "Falsey", "Empty List"; inverted.yml "Falsey", "Empty List".
        #expect(try Self.render(#""{{#boolean}}This should not be rendered.{{/boolean}}""#, ["boolean": false]) == #""""#)
        #expect(try Self.render(#""{{#list}}Yay lists!{{/list}}""#, ["list": []]) == #""""#)
        #expect(try Self.render(#""{{^boolean}}This should be rendered.{{/boolean}}""#, ["boolean": false]) == #""This should be rendered.""#)
        #expect(try Self.render(#""{{^list}}Yay lists!{{/list}}""#, ["list": []]) == #""Yay lists!""#)
        #expect(try Self.render(#""{{^boolean}}This should not be rendered.{{/boolean}}""#, ["boolean": true]) == #""""#)
    }

    @Test func standaloneTagsTakeTheirLine() throws {
        // sections.yml "Standalone Lines", "Indented Standalone Lines"; inverted.yml "Standalone Lines";
        // comments.yml "Standalone".
        #expect(try Self.render("| This Is\n{{#boolean}}\n|\n{{/boolean}}\n| A Line\n", ["boolean": true]) == "| This Is\n|\n| A Line\n")
        #expect(try Self.render("| This Is\n  {{#boolean}}\n|\n  {{/boolean}}\n| A Line\n", ["boolean": true]) == "| This Is\n|\n| A Line\n")
        #expect(try Self.render("| This Is\n{{^boolean}}\n|\n{{/boolean}}\n| A Line\n", ["boolean": false]) == "| This Is\n|\n| A Line\n")
        #expect(try Self.render("Begin.\n{{! Comment Block! }}\nEnd.\n", [:]) == "Begin.\nEnd.\n")
        // sections.yml "Standalone Without Newline"; "Surrounding Whitespace" (not standalone).
        #expect(try Self.render("#{{#boolean}}\n/\n  {{/boolean}}", ["boolean": true]) == "#\n/\n")
        #expect(try Self.render(" | {{#boolean}}\t|\t{{/boolean}} | \n", ["boolean": true]) == " | \t|\t | \n")
    }

    @Test func partialsAndTheirIndentation() throws {
        // partials.yml "Basic Behavior", "Inline Indentation", "Standalone Indentation".
        #expect(try Self.render(#""{{>text}}""#, [:], partials: ["text": "from partial"]) == #""from partial""#)
        #expect(try Self.render("  {{data}}  {{> partial}}\n", ["data": "|"], partials: ["partial": ">\n>"]) == "  |  >\n>\n")
        #expect(try Self.render("\\\n {{>partial}}\n/\n", ["content": "<\n->"], partials: ["partial": "|\n{{{content}}}\n|\n"])
            == "\\\n |\n <\n->\n |\n/\n")
    }

    @Test func malformedTemplatesAreRefused() {
        #expect(throws: PageTemplate.ParseError.self) { try PageTemplate("{{#a}}never closed") }
        #expect(throws: PageTemplate.ParseError.self) { try PageTemplate("{{#a}}{{/b}}") }
        #expect(throws: PageTemplate.ParseError.self) { try PageTemplate("{{unfinished") }
        #expect(throws: PageTemplate.ParseError.self) { try PageTemplate("{{=<% %>=}}") }
    }
}
