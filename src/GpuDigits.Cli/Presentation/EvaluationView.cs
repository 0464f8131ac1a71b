using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;
using Spectre.Console;

namespace GpuDigits.Cli.Presentation;

/// <summary>What <c>evaluate</c> shows: the model, loss and accuracy, a per-class table and the confusion matrix.</summary>
public sealed class EvaluationView(TextWriter output, TextWriter error)
{
    private readonly IAnsiConsole _out = ConsoleFactory.For(output);

    public void Status(string message) => error.WriteLine(message);

    public void Header(string path, ModelFile model, AcceleratorInfo device, int images, DataSet dataSet)
    {
        _out.MarkupLine($"[bold]GpuDigits[/] evaluating {Markup.Escape(path)}: {Markup.Escape(model.Spec.ToString())} on [bold]{Markup.Escape(device.Id)}[/] ({Markup.Escape(device.Name)})");
        if (ModelDescription.Trained(model) is { } trained) _out.MarkupLine($"  {Markup.Escape(trained)}");
        _out.MarkupLine($"  {images:N0} {Markup.Escape(dataSet.Title)} test images");
    }

    public void Results(Classification result, ConfusionMatrix matrix, IReadOnlyList<ClassMetrics> perClass, DataSet dataSet)
    {
        _out.MarkupLine($"[bold]Test accuracy {result.Accuracy * 100:F2} %[/] ({matrix.Correct:N0} of {matrix.Total:N0}), test loss {result.Loss:F4}");
        _out.WriteLine();

        var classes = new Table().Title("Per class").AddColumns("class", "images", "predicted", "correct", "precision", "recall", "F1");
        foreach (var c in classes.Columns.Skip(1)) c.RightAligned();
        foreach (var m in perClass)
            classes.AddRow(Markup.Escape(dataSet.Label(m.Class)), m.Count.ToString("N0"), m.Predicted.ToString("N0"), m.Correct.ToString("N0"),
                $"{m.Precision * 100:F2} %", $"{m.Recall * 100:F2} %", $"{m.F1 * 100:F2} %");
        _out.Write(classes);

        var confusion = new Table().Title("Confusion matrix (rows: actual, columns: predicted)").AddColumn("actual");
        for (int p = 0; p < matrix.Classes; p++) confusion.AddColumn(new TableColumn(p.ToString()).RightAligned());
        for (int a = 0; a < matrix.Classes; a++)
        {
            var cells = new List<string> { $"[bold]{Markup.Escape(dataSet.Label(a))}[/]" };
            for (int p = 0; p < matrix.Classes; p++)
            {
                int n = matrix[a, p];
                cells.Add(a == p ? $"[green]{n:N0}[/]" : n == 0 ? "[grey]0[/]" : $"[red]{n:N0}[/]");
            }
            confusion.AddRow(cells.ToArray());
        }
        _out.Write(confusion);
    }

    public void Wrote(IEnumerable<string> files)
    {
        foreach (var f in files) _out.MarkupLine($"Wrote {Markup.Escape(f)}");
    }
}

/// <summary>One-line descriptions of a model file from its metadata.</summary>
public static class ModelDescription
{
    /// <summary>"trained 10 epochs (saved at epoch 7) on cpu, sgd lr 0.05, test accuracy 97.93 %", or null without metadata.</summary>
    public static string? Trained(ModelFile model)
    {
        var m = model.Metadata;
        if (!m.TryGetValue("epoch", out var epoch)) return null;
        var parts = new List<string>();
        string epochs = m.TryGetValue("epochs", out var total) ? total : epoch;
        parts.Add(epochs == epoch ? $"trained {epoch} epoch{(epoch == "1" ? "" : "s")}" : $"saved at epoch {epoch} of {epochs}");
        if (m.TryGetValue("device", out var device)) parts.Add($"on {device}");
        if (m.TryGetValue("optimizer", out var opt)) parts.Add(m.TryGetValue("learning_rate", out var lr) ? $"{opt} lr {lr}" : opt);
        if (m.TryGetValue("test_accuracy", out var acc) && double.TryParse(acc, System.Globalization.CultureInfo.InvariantCulture, out var a))
            parts.Add($"test accuracy then {a * 100:F2} %");
        if (m.TryGetValue("created", out var created)) parts.Add(created);
        return string.Join(", ", parts);
    }
}
