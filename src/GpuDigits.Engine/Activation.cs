using GpuDigits.Kernels;

namespace GpuDigits.Engine;

/// <summary>Elementwise nonlinearity applied after a dense layer.</summary>
/// <remarks>The values are the kernels' activation codes (<see cref="Activations"/>, defined there once): kernels receive them as ints.</remarks>
public enum Activation
{
    /// <summary>Identity: y = x.</summary>
    None = Activations.None,
    /// <summary>y = max(0, x); dy/dx = (y &gt; 0).</summary>
    Relu = Activations.Relu,
    /// <summary>y = 1 / (1 + e^-x); dy/dx = y (1 - y).</summary>
    Sigmoid = Activations.Sigmoid,
    /// <summary>y = tanh(x); dy/dx = 1 - y^2.</summary>
    Tanh = Activations.Tanh,
    /// <summary>y = x for x &gt; 0, else e^x - 1 (ELU, alpha 1); dy/dx = 1 for y &gt; 0, else y + 1.</summary>
    Elu = Activations.Elu,
}

/// <summary>The names of the activations on the command line and in reports: the enum's names, lower-cased.</summary>
public static class ActivationNames
{
    public static string ToName(this Activation a) =>
        Enum.IsDefined(a) ? a.ToString().ToLowerInvariant() : throw new ArgumentOutOfRangeException(nameof(a), $"Unknown activation {(int)a}.");

    /// <summary>Every activation a hidden layer can have (all but <see cref="Activation.None"/>), by name.</summary>
    public static IReadOnlyList<string> HiddenNames { get; } = [.. Enum.GetValues<Activation>().Where(a => a != Activation.None).Select(a => a.ToName())];

    /// <summary>An activation by name (any case; "linear" is <see cref="Activation.None"/>); numbers are not names.</summary>
    public static bool TryParse(string text, out Activation activation)
    {
        string name = text.Trim();
        if (name.Equals("linear", StringComparison.OrdinalIgnoreCase)) name = nameof(Activation.None);
        foreach (var a in Enum.GetValues<Activation>())
            if (a.ToString().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                activation = a;
                return true;
            }
        activation = default;
        return false;
    }
}
