using GpuDigits.Data;
using GpuDigits.Model.Training;
using GpuDigits.Model;
using System.CommandLine;
using GpuDigits.Engine;
using GpuDigits.Engine.Verification;
using Spectre.Console;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits verify --device X</c>: runs every op on X with seeded inputs (awkward shapes and the shapes of training
/// the default MLP and CNN) and checks each against the float64 reference under the tolerances of kernels/README.md.
/// </summary>
public static class VerifyCommand
{
    private static readonly Option<bool> All = new("--all") { Description = "Print every check, not only the worst per op and the failures." };
    private static readonly Option<int> Seed = new("--seed") { Description = "Seed of the random inputs.", DefaultValueFactory = _ => 1234 };

    public static Command Create()
    {
        var command = new Command("verify", "Check every kernel of a device, the MLP's and the CNN's shapes included, against a float64 reference (exit 1 if any is out of tolerance).")
        {
            CommonOptions.Device, All, Seed,
        };
        command.SetAction(Run);
        return command;
    }

    /// <summary>
    /// The checks as a table that fits 80 columns without breaking an op name: the op column never wraps (the longest,
    /// "activation_backward sigmoid", is 27 characters), nor do the numbers (two significant digits: "1.2e-7"); the
    /// shape and the tolerance ("limit") wrap at spaces in what is left. Minimal borders and one space of padding leave the room
    /// to the text.
    /// </summary>
    public static Table ResultsTable(IEnumerable<VerificationRow> rows)
    {
        var table = new Table().Border(TableBorder.Minimal);
        foreach (var (header, wraps) in new[] { ("op", false), ("shape", true), ("abs err", false), ("rel err", false),
                     ("limit", true), ("used", false), ("ok", false) })
            table.AddColumn(new TableColumn(header) { NoWrap = !wraps, Padding = new Padding(0, 0, 1, 0) });
        foreach (var r in rows)
            table.AddRow(Markup.Escape(r.Op), Markup.Escape(r.Shape), Phrase.Number(r.MaxAbsError, 2), Phrase.Number(r.MaxRelError, 2),
                Markup.Escape(r.Tolerance.Description), $"{r.ToleranceUsed * 100:F1}%", r.Passed ? "[green]pass[/]" : "[red]FAIL[/]");
        return table;
    }

    private static int Run(ParseResult parse)
    {
        var console = Presentation.ConsoleFactory.For(parse.InvocationConfiguration.Output);
        var catalog = EnvironmentSettings.Catalog();
        using var accelerator = catalog.Open(parse.GetValue(CommonOptions.Device)!);
        console.MarkupLine($"Verifying [bold]{Markup.Escape(accelerator.Info.Id)}[/] ({Markup.Escape(accelerator.Info.Name)}) against the float64 reference...");
        console.MarkupLine(Markup.Escape(accelerator.Description) + ".");

        var started = System.Diagnostics.Stopwatch.StartNew();
        // The shapes of the default MLP and CNN, as train runs them: 60,000 images in batches of 128.
        int batch = new TrainingOptions().BatchSize;
        TrainingShapes[] shapes = [NetworkSpec.Default.TrainingShapes(batch, MnistSplit.TrainImages), NetworkSpec.Cnn.TrainingShapes(batch, MnistSplit.TrainImages)];
        var rows = AcceleratorVerifier.Run(accelerator, shapes, seed: parse.GetValue(Seed));
        var shown = parse.GetValue(All)
            ? rows
            : rows.GroupBy(r => r.Op).Select(g => g.MaxBy(r => r.ToleranceUsed)!).Concat(rows.Where(r => !r.Passed)).Distinct().ToList();

        console.Write(ResultsTable(shown));

        if (accelerator.CanRecordSteps)
            console.MarkupLine($"Recorded steps (CUDA graphs): {(accelerator.StepRecordingEnabled ? "on, capture_step checked" : "off")}.");

        int failed = rows.Count(r => !r.Passed);
        console.MarkupLine($"{rows.Count - failed} of {rows.Count} checks passed on {Markup.Escape(accelerator.Info.Id)} " +
                           $"in {started.Elapsed.TotalSeconds:F1} s{(parse.GetValue(All) ? "" : " (worst check per op shown; --all for every one)")}.");
        if (failed == 0) return ExitCodes.Success;
        parse.InvocationConfiguration.Error.WriteLine(
            $"{Failure.Prefix}{failed} of {rows.Count} kernel checks are out of tolerance on {accelerator.Info.Id}.");
        return ExitCodes.Failure;
    }
}
