import CSystemShims
import Testing
@testable import ControllerRuntime

@Suite("DescriptorLimit", .serialized)
struct DescriptorLimitTests {
    /// A soft limit below the hard one is raised to it; at the hard limit nothing changes.
    @Test func theSoftLimitIsRaisedToTheHardLimit() throws {
        let start = try DescriptorLimit.raiseToHard()
        #expect(start.softAfter == start.hard)
        let lowered = min(start.hard, 256)
        #expect(flux_set_descriptor_soft_limit(lowered) == 0)
        let raised = try DescriptorLimit.raiseToHard()
        #expect(raised.softBefore == lowered)
        #expect(raised.softAfter == raised.hard)
        #expect(raised.hard == start.hard)
        let again = try DescriptorLimit.raiseToHard()
        #expect(again == DescriptorLimit.Limits(softBefore: raised.hard, hard: raised.hard, softAfter: raised.hard))
    }
}
