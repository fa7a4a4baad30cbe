/// Shared test doubles for the consumer engine: hand-written fakes, no mocking framework.
enum StreamConsumerTestKit {}
