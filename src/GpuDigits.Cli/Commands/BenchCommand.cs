using System.CommandLine;
using GpuDigits.Data;
using GpuDigits.Files;
using GpuDigits.Model;
using GpuDigits.Cli.Benchmarks;
using GpuDigits.Cli.Presentation;
using GpuDigits.Engine;
using GpuDigits.Reports.Bench;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits bench</c>: per-op rates at the training shapes and at 1024^3, then whole-epoch times for SGD and
/// Adam on the real data; a table on screen and, with <c>--csv</c>, a CSV file.
/// </summary>
public static class BenchCommand
{
    private static readonly Option<int> Repeat = new("--repeat", "-r") { Description = "Timed repetitions per op (min and median are reported).", DefaultValueFactory = _ => 10 };
    private static readonly Option<int> Epochs = new("--epochs") { Description = "Timed training epochs per optimizer after a warm-up epoch; 0 skips the epoch rows.", DefaultValueFactory = _ => 3 };
    private static readonly Option<string> Csv = new Option<string>("--csv") { Description = "Also write the results to this CSV file." }.NotEmptyPath();
    private static readonly Option<int> Square = new("--square") { Description = "Side of the square GEMMs (64 to 8192; 4096 on a GPU).", DefaultValueFactory = _ => 1024 };
    private static readonly Option<string> Arch = new Option<string>("--arch") { Description = "Network of the epoch rows: mlp (SGD and Adam) or cnn (Adam, its default).", DefaultValueFactory = _ => "mlp" }.AcceptOnlyFromAmong("mlp", "cnn");
    private static readonly Option<bool> OpsOnly = new("--ops-only") { Description = "Time the ops only (same as --epochs 0)." };

    public static Command Create()
    {
        var command = new Command("bench", "Time each op at the training shapes and at 1024^3, and whole training epochs (SGD, Adam).")
        {
            CommonOptions.Device, Repeat, Epochs, Square, Arch, Csv, OpsOnly, CommonOptions.Data, CommonOptions.DataSetOption,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        return command;
    }

    /// <summary>Refuses an output path that could not be written, now: a device node, a folder, an unwritable folder.</summary>
    private static void CheckWritable(string path)
    {
        var kind = FileKind.OfLink(path);
        if (kind is FileKindValue.Directory or FileKindValue.Special)
            throw new UsageException($"--csv '{path}' is {(kind == FileKindValue.Directory ? "a folder" : "a device, FIFO or socket")}, not a regular file.");
        var dir = Path.GetDirectoryName(path)!;
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-test-{Environment.ProcessId}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write --csv '{path}': {e.Message}", e);
        }
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        int repeat = parse.GetValue(Repeat);
        int epochs = parse.GetValue(OpsOnly) ? 0 : parse.GetValue(Epochs);
        if (repeat < 1 || repeat > 10_000) throw new UsageException($"--repeat must be between 1 and 10000, got {repeat}.");
        if (epochs < 0 || epochs > 100) throw new UsageException($"--epochs must be between 0 and 100, got {epochs}.");
        int square = parse.GetValue(Square);
        if (square < 64 || square > 8192) throw new UsageException($"--square must be between 64 and 8192, got {square}.");
        var csvPath = parse.GetValue(Csv) is { } p ? Path.GetFullPath(p) : null;
        if (csvPath is not null) CheckWritable(csvPath); // before the benchmark, not after minutes of it

        var view = new BenchView(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        var catalog = EnvironmentSettings.Catalog();
        var deviceInfo = catalog.Resolve(parse.GetValue(CommonOptions.Device)!);
        var (dataSet, data) = epochs > 0 ? MnistLoader.Load(parse.GetValue(CommonOptions.Data), CommonOptions.ChosenDataSet(parse), view.Status, cancellation,
            csvPath is null ? null : [new(csvPath, "--csv")]) : (null, null);

        using var accelerator = catalog.Open(deviceInfo.Id);
        view.Header(accelerator.Info, repeat);
        var records = new OpBenchmarks(accelerator, repeat, r =>
        {
            view.Status($"  {r.Op} {r.Shape}: {BenchView.Rate(r.BestRate, r.Unit)}");
            cancellation.ThrowIfCancellationRequested();
        }) { SquareSize = square, Convolutions = parse.GetValue(Arch) == "cnn" }.Run();
        if (data is not null)
        {
            bool cnn = parse.GetValue(Arch) == "cnn";
            foreach (var optimizer in cnn ? [OptimizerKind.Adam] : new[] { OptimizerKind.Sgd, OptimizerKind.Adam })
            {
                cancellation.ThrowIfCancellationRequested();
                view.Status($"  timing {epochs} {(cnn ? "cnn " : "")}{optimizer.ToString().ToLowerInvariant()} epochs after a warm-up epoch ...");
                records.Add(EpochBenchmark.Run(accelerator, optimizer, data.Train, data.Test, epochs, (cnn ? NetworkSpec.Cnn : NetworkSpec.Default) with { Classes = dataSet!.ClassNames.Count }));
            }
        }
        view.Results(records);
        if (csvPath is not null)
        {
            BenchCsv.Write(csvPath, records);
            view.Written(csvPath);
        }
        return ExitCodes.Success;
    }
}
