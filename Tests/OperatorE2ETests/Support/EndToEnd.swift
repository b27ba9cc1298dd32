import Testing

/// Every end-to-end suite (each test drives a whole operator process against a simulator) is
/// nested here, so they run one at a time even when `swift test` runs suites in parallel: twenty
/// operators at once on two cores would turn their timing expectations into a load test. Unit
/// suites still run in parallel alongside.
@Suite(.serialized) enum EndToEnd {}
