using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Training;

namespace GpuDigits.Cli;

/// <summary>
/// Words the libraries' facts for the command line: their settings become this CLI's flags and their remedies the
/// options that apply them. The libraries say what is wrong and which setting matters; only this class knows the flags.
/// </summary>
public static class Wording
{
    public static string Flag(TrainingSetting setting) => setting switch
    {
        TrainingSetting.Epochs => "--epochs",
        TrainingSetting.BatchSize => "--batch",
        TrainingSetting.LearningRate => "--lr",
        TrainingSetting.Momentum => "--momentum",
        TrainingSetting.HiddenWidths => "--hidden",
        _ => setting.ToString(),
    };

    /// <summary>"--batch must be between 1 and 65536, got 0." or "A batch of ... needs ...; use a smaller --batch or narrower --hidden layers."</summary>
    public static string Of(SettingException e)
    {
        if (e.Requirement is not null) return $"{Flag(e.Settings[0])} {e.Requirement}, got {e.Value}.";
        var lower = e.Settings.Select(s => s switch
        {
            TrainingSetting.BatchSize => "a smaller --batch",
            TrainingSetting.HiddenWidths => "narrower --hidden layers",
            _ => $"a lower {Flag(s)}",
        });
        return $"{e.Fact}. Use {string.Join(" or ", lower)}.";
    }

    /// <summary>A library failure's message with the flags that act on it (null: the message as it is).</summary>
    public static string? Remedy(Exception e) => e switch
    {
        SettingException s => Of(s),
        TrainingDivergedException d => $"{d.Message.TrimEnd('.')} (--lr).",
        DeviceOutOfMemoryException { Estimated: true } m => $"{m.Message} Try a smaller --batch, narrower --hidden layers or another --device.",
        DeviceOutOfMemoryException m => $"{m.Message} Try a smaller --batch or another --device.",
        StepRecordingException r => $"{r.Message.TrimEnd('.')}; run with --cuda-graphs off to launch ops one by one.",
        DataUnavailableException d => $"{d.Message} Give it with --data DIR, or set GPUDIGITS_DATA.",
        _ => null,
    };
}
