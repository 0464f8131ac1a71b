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
}

public static class ActivationNames
{
    public static string ToName(this Activation a) => a switch
    {
        Activation.None => "none",
        Activation.Relu => "relu",
        Activation.Sigmoid => "sigmoid",
        Activation.Tanh => "tanh",
        _ => throw new ArgumentOutOfRangeException(nameof(a)),
    };

    public static bool TryParse(string text, out Activation activation)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "none": case "linear": activation = Activation.None; return true;
            case "relu": activation = Activation.Relu; return true;
            case "sigmoid": activation = Activation.Sigmoid; return true;
            case "tanh": activation = Activation.Tanh; return true;
            default: activation = default; return false;
        }
    }
}
