/// zae-limiter usage snapshots from bucket stream records.
enum UsageAggregation {}
