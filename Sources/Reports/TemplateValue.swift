/// What the page template shows: text (numbers as their decimal text), a flag for a section that
/// is shown or not, a list a section repeats for, an object whose members names look up.
package indirect enum TemplateValue: Sendable {
    case text(String)
    case flag(Bool)
    case list([TemplateValue])
    case object([String: TemplateValue])

    package static func number(_ value: Int) -> TemplateValue { .text(String(value)) }

    /// An object's member; nothing for any other value (Mustache then looks further out).
    func member(_ name: String) -> TemplateValue? {
        guard case .object(let members) = self else { return nil }
        return members[name]
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    package init(stringLiteral value: String) { self = .text(value) }
}

extension TemplateValue: ExpressibleByBooleanLiteral {
    package init(booleanLiteral value: Bool) { self = .flag(value) }
}

extension TemplateValue: ExpressibleByArrayLiteral {
    package init(arrayLiteral elements: TemplateValue...) { self = .list(elements) }
}

extension TemplateValue: ExpressibleByDictionaryLiteral {
    package init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
