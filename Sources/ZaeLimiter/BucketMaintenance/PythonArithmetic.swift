/// Python's integer floor division and the bucket refill of `zae_limiter.bucket`.
enum PythonArithmetic {
    /// `a // b` (floor); `b` must not be 0.
    static func floorDivide(_ a: Int128, _ b: Int128) -> Int128 {
        let quotient = a / b
        return (a % b != 0) && ((a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    /// `refill_bucket(...).new_tokens_milli`: `min(capacity, tokens + elapsed * amount // period)`
    /// for a positive elapsed time, else `min(capacity, tokens)`. `period` must not be 0.
    static func refilledTokens(
        tokens: Int128, refilledAt: Int128, now: Int128, capacity: Int128, amount: Int128, period: Int128
    ) -> Int128 {
        let elapsed = now - refilledAt
        if elapsed <= 0 { return min(capacity, tokens) }
        let added = floorDivide(elapsed * amount, period)
        if added == 0 { return min(capacity, tokens) }
        return min(capacity, tokens + added)
    }
}
