using GpuDigits.Engine;
using NUnit.Framework;

namespace GpuDigits.Tests.Engine;

/// <summary>
/// Which accelerators the kernel suite runs on. Device tests take a selector string (<c>cpu</c>, <c>ilgpu-cpu</c>,
/// <c>opencl</c>, <c>cuda</c>, or a catalog id such as <c>opencl:1</c>) from <see cref="Selected"/>, which reads the runsettings
/// parameter <c>device</c>: <c>all</c> (the default) or a comma list. A selected backend that has no device on this
/// machine reports its tests as Ignored with the catalog's reason, unless <c>GPUDIGITS_REQUIRE_&lt;KIND&gt;</c>
/// (for example <c>GPUDIGITS_REQUIRE_OPENCL=1</c>) is set, which makes the absence a failure. Backends are opened
/// through <see cref="AcceleratorCatalog.Default"/>, so a provider registered there is tested with no change here.
/// <para>
/// Device test cases are generated only for selected devices that exist (or are required, so that their absence
/// fails), and so are the tests about one GPU backend (<see cref="IfRunnable"/>): a machine without OpenCL or CUDA
/// does not list hundreds of skipped cases. Instead each absent backend is one
/// Ignored entry of <see cref="DeviceCoverageTests"/> whose name says which backend is not tested here and why.
/// </para>
/// </summary>
public static class TestAccelerators
{
    public const string ParameterName = "device";

    /// <summary>The backend families, in the order <c>all</c> expands to.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["cpu", "ilgpu-cpu", "opencl", "cuda"];

    /// <summary>The selected ILGPU devices (every family but the managed <c>cpu</c>).</summary>
    public static IEnumerable<string> SelectedIlgpu() => Selected().Where(s => Family(s) != "cpu");

    private static readonly Lazy<AcceleratorCatalog> SharedCatalog = new(() => AcceleratorCatalog.Default());

    /// <summary>One catalog for the whole run: discovery may load drivers, so it happens once.</summary>
    public static AcceleratorCatalog Catalog => SharedCatalog.Value;

    /// <summary>Every selector the <c>device</c> run parameter names, present or not.</summary>
    public static IReadOnlyList<string> Requested() => Parse(TestContext.Parameters.Get(ParameterName, "all"));

    /// <summary>
    /// The requested selectors that device tests run on (read when NUnit builds the test cases): those with a device,
    /// and those whose absence is a failure. If none is left, all requested ones (their cases then report why).
    /// </summary>
    public static IEnumerable<string> Selected()
    {
        var requested = Requested();
        var runnable = requested.Where(s => Verdict(s).Outcome != Outcome.Ignore).ToArray();
        return runnable.Length > 0 ? runnable : requested;
    }

    /// <summary>The requested selectors that have no device here and are not required, with the reason.</summary>
    public static IEnumerable<(string Selector, string Reason)> Absent() =>
        Selected().Any(s => Verdict(s).Outcome != Outcome.Ignore)
            ? Requested().Select(s => (s, Verdict(s))).Where(v => v.Item2.Outcome == Outcome.Ignore).Select(v => (v.s, v.Item2.Message))
            : [];

    /// <summary>
    /// <paramref name="selector"/> alone when its backend runs here or is required, else nothing: a test about one
    /// GPU backend is then not generated at all (its absence is the one entry of <see cref="DeviceCoverageTests"/>).
    /// </summary>
    public static IEnumerable<string> IfRunnable(string selector) =>
        Verdict(selector).Outcome != Outcome.Ignore ? [selector] : [];

    /// <summary>The CUDA test fixtures' selectors: <c>cuda</c> where it runs or is required.</summary>
    public static IEnumerable<string> Cuda() => IfRunnable("cuda");

    /// <summary>The OpenCL tests' selectors: <c>opencl</c> where it runs or is required.</summary>
    public static IEnumerable<string> OpenCl() => IfRunnable("opencl");

    /// <summary><c>ilgpu-cpu</c> (every machine), and <c>opencl</c> where it runs or is required.</summary>
    public static IEnumerable<string> IlgpuCpuAndOpenCl() => ["ilgpu-cpu", .. IfRunnable("opencl")];

    private static (Outcome Outcome, string Message) Verdict(string selector) =>
        Check(Catalog, selector, Environment.GetEnvironmentVariable);

    /// <summary>Parses <c>all</c> or a comma list of <c>cpu</c> | <c>ilgpu-cpu</c> | <c>opencl</c>[:N] | <c>cuda</c>[:N]; duplicates are dropped.</summary>
    public static IReadOnlyList<string> Parse(string? text)
    {
        var result = new List<string>();
        var parts = (string.IsNullOrWhiteSpace(text) ? "all" : text)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var selector = part.ToLowerInvariant();
            if (selector == "all")
            {
                result.AddRange(Kinds);
                continue;
            }
            if (!Kinds.Contains(Family(selector)))
                throw new ArgumentException(
                    $"Unknown device '{part}' in test parameter '{ParameterName}'. Use all, or a comma list of {string.Join(", ", Kinds)}.");
            result.Add(selector);
        }
        if (result.Count == 0)
            throw new ArgumentException($"Test parameter '{ParameterName}' names no device.");
        return result.Distinct().ToArray();
    }

    /// <summary>The backend family of a selector: <c>opencl:1</c> -> <c>opencl</c>.</summary>
    public static string Family(string selector) => selector.Split(':')[0].Trim().ToLowerInvariant();

    /// <summary>The environment variable that turns a missing device of this family into a failure.</summary>
    public static string RequireVariable(string selector) =>
        "GPUDIGITS_REQUIRE_" + Family(selector).ToUpperInvariant().Replace('-', '_');

    /// <summary>Set to anything but empty, <c>0</c> or <c>false</c> means required.</summary>
    public static bool IsRequired(string selector, Func<string, string?> environment)
    {
        var value = environment(RequireVariable(selector))?.Trim();
        return !string.IsNullOrEmpty(value) && value != "0" && !value.Equals("false", StringComparison.OrdinalIgnoreCase);
    }

    public enum Outcome
    {
        /// <summary>A device exists: open it and test it.</summary>
        Run,
        /// <summary>No device and not required: report the tests as Ignored.</summary>
        Ignore,
        /// <summary>No device although the require variable is set: fail.</summary>
        Fail,
    }

    /// <summary>Decides what a test on <paramref name="selector"/> does, with the message to report.</summary>
    public static (Outcome Outcome, string Message) Check(AcceleratorCatalog catalog, string selector,
        Func<string, string?> environment)
    {
        try
        {
            var info = catalog.Resolve(selector);
            return (Outcome.Run, $"{info.Id}: {info.Name}");
        }
        catch (AcceleratorException e)
        {
            return IsRequired(selector, environment)
                ? (Outcome.Fail, $"{e.Message} ({RequireVariable(selector)} is set, so a missing device is a failure.)")
                : (Outcome.Ignore, e.Message);
        }
    }
}

/// <summary>
/// Base of the device test fixtures: opens each selected accelerator once per fixture (GPU contexts are
/// expensive), remembers a missing one, and disposes them all when the fixture is done.
/// </summary>
public abstract class AcceleratorFixture
{
    private readonly Dictionary<string, Accelerator> _open = new();
    private readonly Dictionary<string, (TestAccelerators.Outcome Outcome, string Message)> _missing = new();

    /// <summary>The accelerator for <paramref name="selector"/>; ends the test as Ignored (or Failed when required) if there is none.</summary>
    protected Accelerator Device(string selector)
    {
        if (_open.TryGetValue(selector, out var accelerator)) return accelerator;
        if (!_missing.TryGetValue(selector, out var verdict))
        {
            verdict = TestAccelerators.Check(TestAccelerators.Catalog, selector, Environment.GetEnvironmentVariable);
            if (verdict.Outcome == TestAccelerators.Outcome.Run)
            {
                accelerator = TestAccelerators.Catalog.Open(selector);
                _open.Add(selector, accelerator);
                return accelerator;
            }
            _missing.Add(selector, verdict);
        }
        if (verdict.Outcome == TestAccelerators.Outcome.Fail) Assert.Fail(verdict.Message);
        Assert.Ignore(verdict.Message);
        throw new InvalidOperationException("unreachable");
    }

    [OneTimeTearDown]
    public void DisposeAccelerators()
    {
        foreach (var accelerator in _open.Values) accelerator.Dispose();
        _open.Clear();
        _missing.Clear();
    }
}
