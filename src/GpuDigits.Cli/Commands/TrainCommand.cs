using System.CommandLine;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Optimizers;
using GpuDigits.Model.Training;
using GpuDigits.Cli.Presentation;

namespace GpuDigits.Cli.Commands;

/// <summary><c>gpudigits train</c>: fetch MNIST, train the classifier on an accelerator, write metrics.csv.</summary>
public static class TrainCommand
{
    private static readonly Option<string> Hidden = new("--hidden") { Description = "Hidden layer widths, comma-separated.", DefaultValueFactory = _ => "128,128" };
    private static readonly Option<string> ActivationOpt = new Option<string>("--activation") { Description = "Hidden-layer activation.", DefaultValueFactory = _ => "relu" }.AcceptOnlyFromAmong("relu", "sigmoid", "tanh");
    private static readonly Option<string> OptimizerOpt = new Option<string>("--optimizer") { Description = "sgd (with momentum) or adam.", DefaultValueFactory = _ => "sgd" }.AcceptOnlyFromAmong("sgd", "adam");
    private static readonly Option<float?> Lr = new("--lr") { Description = "Base learning rate (default: 0.05 for sgd, 0.001 for adam)." };
    private static readonly Option<float> Momentum = new("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0.9f };
    private static readonly Option<string> Schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule over the epochs: cosine (decays to 1/20) or constant.", DefaultValueFactory = _ => "cosine" }.AcceptOnlyFromAmong("cosine", "constant");
    private static readonly Option<int> Batch = new("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 128 };
    private static readonly Option<int> Epochs = new("--epochs") { Description = "Number of passes over the training set.", DefaultValueFactory = _ => 10 };
    private static readonly Option<ulong> Seed = new("--seed") { Description = "Seed for initialization and shuffling; same seed + same device = same metrics.", DefaultValueFactory = _ => 1UL };
    private static readonly Option<int?> TrainLimit = new("--train-limit") { Description = "Use only the first N training images (quick runs)." };
    private static readonly Option<int?> TestLimit = new("--test-limit") { Description = "Use only the first N test images." };
    private static readonly Option<string> Out = new("--out") { Description = "Run folder for metrics.csv and the model files (default: runs/<timestamp>)." };
    private static readonly Option<string> Metrics = new("--metrics") { Description = "Path of the metrics CSV (default: <run folder>/metrics.csv)." };
    private static readonly Option<string?> CudaGraphs = new Option<string?>("--cuda-graphs") { Description = "On CUDA, record the training step once as a CUDA graph and replay it (on), or launch every op (off). Default: on, unless GPUDIGITS_CUDA_GRAPHS=0." }.AcceptOnlyFromAmong("on", "off");
    private static readonly Option<int?> ProgressMs = new("--progress-ms") { Description = "How often the progress display reads the running loss from the device, in ms; 0 reads it only at the end of each epoch. Default: 0 on CUDA, 100 elsewhere." };

    public static Command Create()
    {
        var command = new Command("train", "Train the MNIST classifier; write per-epoch metrics to CSV and the model to model.gdm (best epoch: model-best.gdm).")
        {
            Hidden, ActivationOpt, OptimizerOpt, Lr, Momentum, Schedule, Batch, Epochs, Seed,
            CommonOptions.Device, CommonOptions.Data, TrainLimit, TestLimit, Out, Metrics, CudaGraphs, ProgressMs,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        var console = new TrainingView(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        var (spec, options) = ReadOptions(parse);
        int? trainLimit = Positive(parse.GetValue(TrainLimit), "--train-limit");
        int? testLimit = Positive(parse.GetValue(TestLimit), "--test-limit");
        int? progressMs = parse.GetValue(ProgressMs);
        if (progressMs is < 0) throw new UsageException($"--progress-ms must be 0 or more, got {progressMs}.");

        var run = RunFolder.Prepare(parse.GetValue(Out), parse.GetValue(Metrics));
        try
        {
            var catalog = AcceleratorCatalog.Default();
            var deviceInfo = catalog.Resolve(parse.GetValue(CommonOptions.Device)!);

            var data = MnistLoader.Load(parse.GetValue(CommonOptions.Data), console.Status, cancellation);
            var (train, test) = (data.Train, data.Test);
            if (trainLimit is { } tl) train = train.Take(tl);
            if (testLimit is { } sl) test = test.Take(sl);
            var normalization = Normalization.FromImages(train.Images);

            using var accelerator = catalog.Open(deviceInfo.Id);
            if (accelerator is Engine.Cuda.CudaAccelerator cuda && parse.GetValue(CudaGraphs) is { } graphs)
                cuda.GraphsEnabled = graphs == "on";
            // Reading the running loss waits for the device; on CUDA, where an epoch takes well under a second, the
            // display shows each finished epoch instead.
            int interval = progressMs ?? (accelerator.Info.Kind == AcceleratorKind.Cuda ? 0 : 100);
            options = options with { ProgressInterval = interval == 0 ? null : TimeSpan.FromMilliseconds(interval) };
            console.Header(accelerator.Info, spec, options, train.Count, test.Count, run.MetricsPath);
            using var trainer = new Trainer(accelerator, spec, options, train, test, normalization);
            using var csv = run.CreateMetricsWriter();
            var models = new RunModels(run.Directory, trainer);

            var history = new List<EpochMetrics>();
            console.Train(options.Epochs, progress =>
                trainer.Run(epoch =>
                {
                    csv.Append(epoch);
                    run.MarkStarted();
                    history.Add(epoch);
                    models.EpochDone(epoch);
                    progress.EpochDone(epoch);
                }, progress.Batch, cancellation));
            models.RunDone(history[^1]);
            console.Summary(history, run.MetricsPath);
            console.Models(models.FinalPath, models.BestPath, models.Best!);
            console.StepMode(accelerator, trainer.ReplayedSteps, trainer.RecordedOps);
            return ExitCodes.Success;
        }
        catch
        {
            run.AbandonIfEmpty();
            throw;
        }
    }

    private static (NetworkSpec, TrainingOptions) ReadOptions(ParseResult parse)
    {
        try
        {
            ActivationNames.TryParse(parse.GetValue(ActivationOpt)!, out var activation);
            var spec = NetworkSpec.Default with { Hidden = NetworkSpec.ParseHidden(parse.GetValue(Hidden)!), Activation = activation };
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(Epochs),
                BatchSize = parse.GetValue(Batch),
                Optimizer = parse.GetValue(OptimizerOpt) == "adam" ? OptimizerKind.Adam : OptimizerKind.Sgd,
                LearningRate = parse.GetValue(Lr),
                Momentum = parse.GetValue(Momentum),
                Schedule = parse.GetValue(Schedule) == "constant" ? LearningRateSchedule.Constant : LearningRateSchedule.Cosine,
                Seed = parse.GetValue(Seed),
            }.Validate();
            return (spec, options);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int? Positive(int? value, string name) =>
        value is null or > 0 ? value : throw new UsageException($"{name} must be a positive number, got {value}.");
}
