namespace GpuDigits.Model;

/// <summary>A training setting, named as the model layer knows it (the CLI maps each to its flag).</summary>
public enum TrainingSetting
{
    Epochs,
    BatchSize,
    LearningRate,
    Momentum,
    HiddenWidths,
}

/// <summary>
/// A setting out of its range, or settings whose product exceeds a limit, said as facts: which setting, what it must
/// be and what it was, or what the limit is and which settings would have to be lower. The model layer speaks no
/// command-line flags; the CLI words these with its own (see the CLI's Wording).
/// </summary>
public sealed class SettingException : ArgumentException
{
    private SettingException(string message, IReadOnlyList<TrainingSetting> settings, string? requirement, string? value, string? fact)
        : base(message)
    {
        Settings = settings;
        Requirement = requirement;
        Value = value;
        Fact = fact;
    }

    /// <summary>The setting out of range, or the settings to lower.</summary>
    public IReadOnlyList<TrainingSetting> Settings { get; }

    /// <summary>What the setting must be ("must be between 1 and 65536"); null for a limit.</summary>
    public string? Requirement { get; }

    /// <summary>The value given; null for a limit.</summary>
    public string? Value { get; }

    /// <summary>The limit exceeded, as a sentence without its period; null for a range.</summary>
    public string? Fact { get; }

    public static SettingException OutOfRange(TrainingSetting setting, string requirement, object? value)
    {
        string shown = value switch
        {
            float f => GpuDigits.Data.Phrase.Number(f, significant: 7),
            double d => GpuDigits.Data.Phrase.Number(d, significant: 7),
            _ => $"{value}",
        };
        return new($"{Words(setting)} {requirement}, got {shown}.", [setting], requirement, shown, null);
    }

    public static SettingException Exceeds(string fact, params TrainingSetting[] lower) =>
        new($"{fact}; it takes lower {string.Join(" or ", lower.Select(Words))}.", lower, null, null, fact);

    /// <summary>The setting in plain words.</summary>
    public static string Words(TrainingSetting setting) => setting switch
    {
        TrainingSetting.Epochs => "the epoch count",
        TrainingSetting.BatchSize => "the batch size",
        TrainingSetting.LearningRate => "the learning rate",
        TrainingSetting.Momentum => "the momentum",
        TrainingSetting.HiddenWidths => "the hidden layer widths",
        _ => setting.ToString(),
    };
}
