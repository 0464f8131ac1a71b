using System.CommandLine;
using GpuDigits.Data;
using GpuDigits.Files.Csv;
using GpuDigits.Model.Persistence;
using GpuDigits.Reports.Plotting;

namespace GpuDigits.Cli.Commands;

/// <summary><c>gpudigits plot</c>: draws one or more metrics.csv files (loss and accuracy per epoch) into an SVG.</summary>
public static class PlotCommand
{
    private static readonly Argument<string[]> Files = new("metrics")
    {
        Description = "metrics.csv files written by 'gpudigits train'; several are overlaid.",
        Arity = ArgumentArity.OneOrMore,
    };
    private static readonly Option<string> Out = new Option<string>("--out", "-o") { Description = "The file to write: .svg (vector, with tooltips) or .png (the same chart as a picture).", Required = true }.NotEmptyPath();
    private static readonly Option<string> Labels = new("--labels") { Description = "Legend labels, comma-separated, one per CSV (default: each CSV's folder name)." };
    private static readonly Option<string> Title = new("--title") { Description = "Title above the plots." };

    public static Command Create()
    {
        var command = new Command("plot", "Plot loss and accuracy per epoch (train solid, test dashed) of one or more runs into an SVG or PNG file.")
        {
            Files, Out, Labels, Title,
        };
        command.SetAction(parse =>
        {
            var files = parse.GetValue(Files)!;
            string output = Path.GetFullPath(parse.GetValue(Out)!);
            bool png = output.EndsWith(".png", StringComparison.OrdinalIgnoreCase);
            if (!png && !output.EndsWith(".svg", StringComparison.OrdinalIgnoreCase))
                throw new UsageException($"-o writes an SVG or a PNG file, chosen by the extension; give it a name ending in .svg or .png, got '{output}'.");
            var labels = parse.GetValue(Labels) is { } text ? text.Split(',', StringSplitOptions.TrimEntries) : MetricsPlot.DefaultLabels(files);
            if (labels.Count != files.Length)
                throw new UsageException($"--labels has {Phrase.Count(labels.Count, "label")} for {Phrase.Count(files.Length, "CSV file")}; give one per file.");
            if (labels.Any(string.IsNullOrEmpty)) throw new UsageException("--labels has an empty label.");

            OutputGuard.Refuse(output, "-o", files.Select(f => new OutputGuard.Input(f, "the metrics CSV")));
            var runs = files.Select((f, i) => new PlotSeries(labels[i], Read(f))).ToList();
            Directory.CreateDirectory(Path.GetDirectoryName(output)!);
            MetricsPlot.Write(output, runs, parse.GetValue(Title));
            parse.InvocationConfiguration.Output.WriteLine(
                $"Wrote {output} ({Phrase.Count(runs.Count, "run")}, {(runs.Count == 1 ? "" : "up to ")}{Phrase.Count(runs.Max(r => r.Epochs.Count), "epoch")})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static IReadOnlyList<Model.Training.EpochMetrics> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Metrics file '{path}' does not exist.", path);
        IReadOnlyList<Model.Training.EpochMetrics> rows;
        try
        {
            rows = MetricsCsvReader.Read(path);
        }
        catch (CsvContentException e)
        {
            throw new DataFormatException(path, $"is not a metrics CSV written by 'gpudigits train': {e.Message}", e);
        }
        if (rows.Count == 0) throw new DataFormatException(path, "holds no epochs yet");
        return rows;
    }
}
