using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// Which backends this run tests: one Ignored entry per requested backend that has no device here (its name gives the
/// reason, so the console's one line per skipped test says it), and a check that every backend the device tests run on
/// opens. The device tests themselves are generated only for backends that exist (see <see cref="TestAccelerators"/>).
/// </summary>
public sealed class DeviceCoverageTests
{
    public static IEnumerable<TestCaseData> AbsentBackends() =>
        TestAccelerators.Absent().Select(a => new TestCaseData(a.Selector, a.Reason)
            .SetName($"NotTestedHere({a.Selector}: {a.Reason.TrimEnd('.')})"));

    [TestCaseSource(nameof(AbsentBackends))]
    public void NotTestedHere(string selector, string reason) =>
        Assert.Ignore($"No {selector} device on this machine, so its device tests were not generated: {reason}");

    [Test]
    public void EveryBackendTheDeviceTestsRunOnOpensOrIsRequired()
    {
        foreach (var selector in TestAccelerators.Selected())
        {
            var (outcome, message) = TestAccelerators.Check(TestAccelerators.Catalog, selector, Environment.GetEnvironmentVariable);
            if (outcome == TestAccelerators.Outcome.Fail) Assert.Fail(message);
            if (outcome == TestAccelerators.Outcome.Run)
                using (var accelerator = TestAccelerators.Catalog.Open(selector))
                    Assert.That(accelerator.Info.Id, Does.StartWith(TestAccelerators.Family(selector)));
        }
        Assert.That(TestAccelerators.Selected().Intersect(TestAccelerators.Absent().Select(a => a.Selector)), Is.Empty,
            "a backend is either tested or listed as absent");
    }
}
