import AWSDynamoDB
import Foundation

/// Applies the update expressions snapshot writes use (`SET x = :v`, `SET x =
/// if_not_exists(x, :v)`, `ADD x :n`) to an item, as DynamoDB would. Numbers are summed as
/// Int128 (enough for these tests). Anything else is a test failure (fatalError).
enum UpdateExpressionEvaluator {
    static func apply(_ input: UpdateItemInput, to item: Item?) -> Item {
        var result = item ?? input.key
        let names = input.expression.names
        let values = input.expression.values
        func name(_ token: Substring) -> String {
            let t = token.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.hasPrefix("#") ? names[t]! : t
        }
        func value(_ token: Substring) -> AttributeValue {
            values[token.trimmingCharacters(in: .whitespacesAndNewlines)]!
        }
        let text = input.updateExpression.split(whereSeparator: \.isNewline).joined(separator: " ")
        let (setPart, addPart) = sections(text)
        // DynamoDB evaluates every right-hand side against the item as it was before.
        let before = result
        for clause in splitTopLevel(setPart) {
            let sides = clause.split(separator: "=", maxSplits: 1)
            let target = name(sides[0])
            let rhs = sides[1].trimmingCharacters(in: .whitespaces)
            if rhs.hasPrefix("if_not_exists(") {
                let inner = rhs.dropFirst("if_not_exists(".count).dropLast()
                let args = inner.split(separator: ",")
                let probe = name(args[0])
                result[target] = before[probe] ?? value(args[1])
            } else {
                result[target] = value(Substring(rhs))
            }
        }
        for clause in splitTopLevel(addPart) {
            let parts = clause.split(separator: " ", omittingEmptySubsequences: true)
            let target = name(parts[0])
            guard case .n(let addend) = value(parts[1]) else { fatalError("ADD of a non-number") }
            let current = before[target].flatMap { $0.n }.map { Int128($0)! } ?? 0
            result[target] = .n(String(current + Int128(addend)!))
        }
        return result
    }

    private static func sections(_ text: String) -> (String, String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let addRange = trimmed.range(of: " ADD ") else { fatalError("no ADD in \(text)") }
        var setText = String(trimmed[..<addRange.lowerBound]).trimmingCharacters(in: .whitespaces)
        precondition(setText.hasPrefix("SET "))
        setText.removeFirst(4)
        return (setText, String(trimmed[addRange.upperBound...]))
    }

    private static func splitTopLevel(_ text: String) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        for index in text.indices {
            switch text[index] {
            case "(": depth += 1
            case ")": depth -= 1
            case "," where depth == 0:
                parts.append(text[start..<index])
                start = text.index(after: index)
            default: break
            }
        }
        parts.append(text[start...])
        return parts.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    }
}
