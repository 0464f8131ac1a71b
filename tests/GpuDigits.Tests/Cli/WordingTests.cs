using GpuDigits.Cli;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;
using NUnit.Framework;

namespace GpuDigits.Tests.Cli;

/// <summary>The libraries say facts without flags; the CLI's one error line words them with its flags.</summary>
public sealed class WordingTests
{
    private static (int Code, string Line) Report(Exception e)
    {
        var error = new StringWriter();
        int code = Failure.Report(e, error, verbose: false);
        return (code, error.ToString().Trim());
    }

    [Test]
    public void ASettingOutOfRangeIsAUsageErrorNamingItsFlag()
    {
        var e = Assert.Throws<SettingException>(() => new TrainingOptions { BatchSize = 0 }.Validate())!;
        Assert.That(e.Message, Does.Not.Contain("--"), "the model speaks no flags");
        Assert.That(Report(e), Is.EqualTo((ExitCodes.Usage, "gpudigits: error: --batch must be between 1 and 65536, got 0.")));
    }

    [Test]
    public void ALimitNamesTheFlagsThatLowerIt()
    {
        var e = Assert.Throws<SettingException>(() => (NetworkSpec.Default with { Hidden = [65536, 65536] }).CheckBufferSizes(128))!;
        Assert.That(e.Message, Does.Not.Contain("--"));
        Assert.That(Wording.Of(e), Does.EndWith("Use narrower --hidden layers."));
    }

    [Test]
    public void RemediesNameTheOptions()
    {
        Assert.That(Report(new TrainingDivergedException(1, 3, 3, 10, "the loss is NaN", 100f)).Line, Does.EndWith("lower learning rate than 100 (--lr)."));
        Assert.That(Report(new DeviceOutOfMemoryException("cuda:0", 1 << 30)).Line, Does.EndWith("Try a smaller --batch or another --device."));
        Assert.That(Report(new StepRecordingException("Recording a step as a CUDA graph on cuda:0 failed (x).")).Line,
            Does.EndWith("failed (x); run with --cuda-graphs off to launch ops one by one."));
        var missing = new DataUnavailableException($"f does not exist. {DataUnavailableException.Advice}");
        Assert.That(missing.Message, Does.Not.Contain("--data"));
        Assert.That(Report(missing).Line, Does.EndWith("Give it with --data DIR, or set GPUDIGITS_DATA."));
    }
}
