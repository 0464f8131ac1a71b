using System.CommandLine;
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Runs;
using GpuDigits.Model.Training;
using GpuDigits.Cli.Presentation;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits train</c>: fetch MNIST, train the classifier on an accelerator; after every epoch write model-best.gdm
/// (when the epoch is the best so far), checkpoint.gdm and metrics.csv, and model.gdm at the end.
/// <c>train --resume DIR</c> continues a run from its checkpoint. SIGINT and SIGTERM stop training at the end of the
/// current batch, keeping the last completed epoch.
/// </summary>
public static class TrainCommand
{
    private static readonly Option<string> Arch = new Option<string>("--arch") { Description = "Network: mlp (784-128-128-10, the first tutorial) or cnn (conv 3x3 32, pool, conv 3x3 64, pool, dense 128, dense 10: the second, trained with Adam).", DefaultValueFactory = _ => "mlp" }.AcceptOnlyFromAmong("mlp", "cnn");
    // --hidden and --optimizer have no DefaultValueFactory: their defaults depend on --arch, which the description says
    // (a factory would make the help print a second, wrong default for the CNN).
    private static readonly Option<string> Hidden = new("--hidden") { Description = "Hidden (dense) layer widths, comma-separated (default: 128,128 for mlp, 128 for cnn)." };
    private static readonly Option<string> ActivationOpt = new Option<string>("--activation") { Description = "Hidden-layer activation.", DefaultValueFactory = _ => "relu" }.AcceptOnlyFromAmong([.. ActivationNames.HiddenNames]);
    private static readonly Option<string> OptimizerOpt = new Option<string>("--optimizer") { Description = $"{string.Join(", ", OptimizerCatalog.All.Select(d => $"{d.Name} ({d.Title})"))}; default: sgd for mlp, adam for cnn." }.AcceptOnlyFromAmong([.. OptimizerCatalog.All.Select(d => d.Name)]);
    private static readonly Option<float?> Lr = new("--lr") { Description = $"Base learning rate (default: {string.Join(", ", OptimizerCatalog.All.Select(d => $"{Phrase.Number(d.DefaultLearningRate)} for {d.Name}"))})." };
    private static readonly Option<float> Momentum = new("--momentum") { Description = "SGD momentum (the other optimizers do not use it).", DefaultValueFactory = _ => 0.9f };
    private static readonly Option<string> Schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule over the epochs: cosine (decays to 1/20) or constant.", DefaultValueFactory = _ => "cosine" }.AcceptOnlyFromAmong("cosine", "constant");
    private static readonly Option<int> Batch = new("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 128 };
    // No DefaultValueFactory: the default depends on --arch and --dataset (see DefaultEpochs), which the description says.
    private static readonly Option<int?> Epochs = new("--epochs") { Description = "Number of passes over the training set (with --resume: the new total). Default: 10; 20 for the CNN on Fashion-MNIST." };
    private static readonly Option<ulong> Seed = new("--seed") { Description = "Seed for initialization and shuffling; same seed + same device = same metrics.", DefaultValueFactory = _ => 1UL };
    private static readonly Option<int?> TrainLimit = new("--train-limit") { Description = "Use only the first N training images (quick runs)." };
    private static readonly Option<int?> TestLimit = new("--test-limit") { Description = "Use only the first N test images." };
    private static readonly Option<string> Out = new Option<string>("--out") { Description = "Run folder for metrics.csv, checkpoint.gdm and the model files (default: runs/<timestamp>)." }.NotEmptyPath();
    private static readonly Option<string> Metrics = new Option<string>("--metrics") { Description = "Path of the metrics CSV (default: <run folder>/metrics.csv)." }.NotEmptyPath();
    private static readonly Option<string> Resume = new Option<string>("--resume") { Description = "Continue the run in this folder from its checkpoint (its options are kept; --epochs may set a new total)." }.NotEmptyPath();
    private static readonly Option<string?> CudaGraphs = new Option<string?>("--cuda-graphs") { Description = "On CUDA, record the training step once as a CUDA graph and replay it (on), or launch every op (off). Default: on, unless GPUDIGITS_CUDA_GRAPHS=0." }.AcceptOnlyFromAmong("on", "off");
    private static readonly Option<bool> Timings = new("--timings") { Description = "At the end, print to standard error where the run's wall time went: start-up, each phase of an epoch, saving." };
    private static readonly Option<int?> ProgressMs = new("--progress-ms") { Description = "How often the progress display reads the running loss from the device, in ms; 0 reads it only at the end of each epoch. Default: 0 on CUDA, 100 elsewhere." };

    public static Command Create()
    {
        var command = new Command("train", "Train the classifier (MNIST digits, --dataset fashion-mnist, or a data folder of one's own); write per-epoch metrics to CSV, a checkpoint after every epoch, and the model to model.gdm (best epoch: model-best.gdm).")
        {
            Arch, Hidden, ActivationOpt, OptimizerOpt, Lr, Momentum, Schedule, Batch, Epochs, Seed,
            CommonOptions.Device, CommonOptions.Data, CommonOptions.DataSetOption, TrainLimit, TestLimit, Out, Metrics, Resume, CudaGraphs, ProgressMs, Timings,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        return command;
    }

    /// <summary>What a run trains and where: from the options (a new run) or from a checkpoint (a resumed run).</summary>
    private sealed record Plan(NetworkSpec Spec, TrainingOptions Options, string DeviceSelector, string? DataDir,
        DataSet DataSet, int? TrainLimit, int? TestLimit, TrainingRun Run, Checkpoint? From);

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        // Registered first, so that a signal at any moment from here on is handled (and the run folder cleaned up).
        using var signals = new TerminationSignals();
        var clock = new RunClock();
        var error = parse.InvocationConfiguration.Error;
        int? progressMs = parse.GetValue(ProgressMs);
        if (progressMs is < 0) throw new UsageException($"--progress-ms must be 0 or more, got {progressMs}.");
        var console = clock.Start("display set-up", () => new TrainingView(parse.InvocationConfiguration.Output, error));
        var plan = clock.Start("options, run folder and its lock", () => parse.GetValue(Resume) is { } resumeDir ? PlanResume(parse, resumeDir) : PlanNew(parse));
        var run = plan.Run;

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellation, signals.Token);
        Accelerator? accelerator = null;
        Trainer? trainer = null;
        try
        {
            var catalog = EnvironmentSettings.Catalog();
            var deviceInfo = clock.Start("device discovery", () => catalog.Resolve(plan.DeviceSelector));

            string dataDir = clock.Start("data check (SHA-256)", () => MnistLoader.Folder(plan.DataDir, plan.DataSet, console.Status, stop.Token,
                [new(run.MetricsPath, "--metrics"), new(run.FinalModelPath, "--out"), new(run.BestModelPath, "--out"),
                 new(Path.Combine(run.Directory, CheckpointFormat.FileName), "--out")]));
            var (dataSet, data) = clock.Start("data load", () => MnistLoader.Read(dataDir, plan.DataSet));
            var (train, test) = (data.Train, data.Test);
            var spec = ClassesOf(plan, dataSet);
            if (plan.TrainLimit is { } tl) train = train.Take(Math.Min(tl, train.Count));
            if (plan.TestLimit is { } sl) test = test.Take(Math.Min(sl, test.Count));
            var normalization = plan.From?.State.Normalization ?? clock.Start("pixel statistics", () => Normalization.FromImages(train.Images));

            // Refuse what cannot fit before allocating anything (an OOM kill could not be reported at all).
            clock.Start("memory check", () => TrainingMemory.Check(TrainingMemory.For(spec, plan.Options, train.Count, test.Count),
                deviceInfo, TrainingMemory.HostAvailable(), $"training {spec} at batch {plan.Options.BatchSize}"));
            accelerator = clock.Start("device open", () => catalog.Open(deviceInfo.Id));
            if (accelerator.CanRecordSteps && parse.GetValue(CudaGraphs) is { } graphs)
                accelerator.StepRecordingEnabled = graphs == "on";
            // Reading the running loss waits for the device; on CUDA, where an epoch takes well under a second, the
            // display shows each finished epoch instead.
            int interval = progressMs ?? (accelerator.Info.Kind == AcceleratorKind.Cuda ? 0 : 100);
            var options = plan.Options with { ProgressInterval = interval == 0 ? null : TimeSpan.FromMilliseconds(interval) };
            var acc = accelerator;
            trainer = clock.Start("trainer set-up (allocate, upload, initialize)", () => new Trainer(acc, spec, options, train, test, normalization));
            var settings = new RunSettings(accelerator.Info.Id, Path.GetFullPath(dataDir), plan.TrainLimit, plan.TestLimit, run.MetricsPathForCheckpoint)
            {
                DataSet = dataSet.Name,
                ClassNames = dataSet.IsFolder && dataSet.HasClassNames ? dataSet.ClassNames : null,
            };
            Attach(run, trainer, settings);
            if (plan.From is { } from)
                console.Resuming(run.Directory, from.State.EpochsDone, plan.Options.Epochs, from.Run.Device, accelerator.Info.Id);
            clock.Start("display: header", () => console.Header(accelerator.Info, spec, options, train.Count, test.Count, run.MetricsPath));
            if (run.IsComplete)
            {
                // Killed between the last checkpoint and model.gdm, or extended since: model.gdm from the checkpoint.
                run.Finish();
                console.AlreadyComplete(run.Directory, trainer.EpochsDone);
                console.Summary(trainer.History, run.MetricsPath);
                return ExitCodes.Success;
            }

            var t = trainer;
            bool firstEpoch = true;
            console.Train(plan.Options.Epochs, progress =>
                t.Run(epoch =>
                {
                    clock.EpochDone(t.LastEpochTimings, firstEpoch ? t.FirstStepSeconds : 0);
                    firstEpoch = false;
                    clock.Epoch("saving (model-best.gdm, checkpoint.gdm, metrics CSV)", () => run.EpochDone(epoch));
                    clock.Epoch("display", () => progress.EpochDone(epoch));
                }, progress.Batch, stop.Token));
            clock.End("model.gdm", run.Finish);
            var perClass = clock.End("per-class test accuracy of model.gdm", () => PerClass(acc, run.FinalModelPath, test, dataSet, stop.Token));
            clock.End("display: summary", () =>
            {
                console.Summary(trainer.History, run.MetricsPath);
                console.Classes(perClass, dataSet);
                console.Models(run.FinalModelPath, run.BestModelPath, run.Best!);
                console.StepMode(accelerator, trainer.ReplayedSteps, trainer.RecordedOps);
            });
            if (parse.GetValue(Timings))
                foreach (var line in clock.Report()) error.WriteLine(line);
            return ExitCodes.Success;
        }
        catch (OperationCanceledException) when (signals.Received is not null)
        {
            if (run.SavedEpoch > 0)
            {
                Notice(error, $"{Failure.Prefix}{signals.Name} received: stopped during epoch {run.SavedEpoch + 1}; " +
                              $"{SavedEpochs(run.SavedEpoch)} saved in {run.Directory} ({CheckpointFormat.FileName}, {Path.GetFileName(run.MetricsPath)}).");
                Notice(error, $"Resume with: gpudigits train --resume {Quote(run.Directory)}");
            }
            else
            {
                Notice(error, $"{Failure.Prefix}{signals.Name} received: stopped before the first epoch finished; nothing was saved.");
                run.AbandonIfEmpty();
            }
            return signals.ExitCode;
        }
        catch (Exception e)
        {
            int code = Failure.Report(e, error, parse.GetValue(CliApp.Verbose));
            if (run.SavedEpoch > 0)
                error.WriteLine($"{Capitalized(SavedEpochs(run.SavedEpoch))} saved in {run.Directory}" +
                                (e is TrainingDivergedException ? "." : $"; continue with: gpudigits train --resume {Quote(run.Directory)}"));
            run.AbandonIfEmpty();
            return code;
        }
        finally
        {
            trainer?.Dispose();
            accelerator?.Dispose();
            run.Dispose();
        }
    }

    private static void Attach(TrainingRun run, Trainer trainer, RunSettings settings)
    {
        try
        {
            run.Attach(trainer, settings);
        }
        catch (ArgumentException e)
        {
            throw new ResumeException($"Cannot resume the run in {run.Directory}: {e.Message}");
        }
    }

    /// <summary>Words a run folder's problem for the command line: which flag to change, or what to run instead.</summary>
    private static TrainingRun Open(Func<TrainingRun> open)
    {
        try
        {
            return open();
        }
        catch (RunFolderException e)
        {
            throw e.Problem switch
            {
                RunFolderProblem.MetricsPath => new UsageException($"--metrics {e.Message}; choose another path."),
                RunFolderProblem.HoldsARun => new UsageException($"{e.Message}. Continue it with 'gpudigits train --resume {e.Path}', or choose another --out."),
                RunFolderProblem.UntrustedMetricsPath => new ResumeException($"{e.Message}: pass --metrics with that path to confirm it."),
                _ => new IOException($"{e.Message}; wait for it to finish or choose another --out.", e),
            };
        }
    }

    private static Plan PlanNew(ParseResult parse)
    {
        var (spec, options) = ReadOptions(parse);
        int? trainLimit = Positive(parse.GetValue(TrainLimit), "--train-limit");
        int? testLimit = Positive(parse.GetValue(TestLimit), "--test-limit");
        var run = Open(() => TrainingRun.Start(parse.GetValue(Out), parse.GetValue(Metrics)));
        return new Plan(spec, options, parse.GetValue(CommonOptions.Device)!, parse.GetValue(CommonOptions.Data),
            CommonOptions.ChosenDataSet(parse), trainLimit, testLimit, run, null);
    }

    /// <summary>
    /// Reads the checkpoint of <paramref name="resumeDir"/>. Options come from it; an option given on the command line
    /// with another value than the run was started with is a usage error, except --epochs (a new total, at least the
    /// epochs done), --device and --data (the checkpoint's data fingerprint still has to match).
    /// </summary>
    private static Plan PlanResume(ParseResult parse, string resumeDir)
    {
        var dir = Path.GetFullPath(resumeDir);
        var checkpointPath = Path.Combine(dir, CheckpointFormat.FileName);
        if (File.Exists(dir))
            throw new UsageException($"--resume takes a run folder; '{dir}' is a file (pass the folder that holds {CheckpointFormat.FileName}).");
        if (!Directory.Exists(dir))
            throw new UsageException($"--resume: '{dir}' does not exist.");
        if (!File.Exists(checkpointPath))
            throw new UsageException($"--resume: '{dir}' holds no {CheckpointFormat.FileName}: it is not a run folder, or its first epoch never finished.");
        var checkpoint = CheckpointFormat.Load(checkpointPath);
        var state = checkpoint.State;
        var saved = state.Options;
        int pixels = MnistDataset.ImageSide * MnistDataset.ImageSide;
        if (state.Spec.Inputs != pixels)
            throw new ModelFormatException(checkpointPath, $"is a checkpoint of a {state.Spec} network; the images have {pixels} pixels");

        var conflicts = new List<string>();
        void Check(Option option, bool same, string savedValue)
        {
            if (Explicit(parse, option) && !same) conflicts.Add($"{option.Name} (the run uses {savedValue})");
        }
        Check(Arch, parse.GetValue(Arch) == state.Spec.ArchitectureName, state.Spec.ArchitectureName);
        Check(Hidden, SafeHidden(parse)?.SequenceEqual(state.Spec.Hidden) == true, string.Join(",", state.Spec.Hidden));
        Check(ActivationOpt, parse.GetValue(ActivationOpt) == state.Spec.Activation.ToName(), state.Spec.Activation.ToName());
        string savedOptimizer = OptimizerCatalog.Get(saved.Optimizer).Name;
        Check(OptimizerOpt, parse.GetValue(OptimizerOpt) == savedOptimizer, savedOptimizer);
        Check(Lr, parse.GetValue(Lr) == saved.BaseLearningRate, Phrase.Number(saved.BaseLearningRate, significant: 7));
        Check(Momentum, parse.GetValue(Momentum) == saved.Momentum, Phrase.Number(saved.Momentum, significant: 7));
        Check(Schedule, parse.GetValue(Schedule) == saved.Schedule.ToString().ToLowerInvariant(), saved.Schedule.ToString().ToLowerInvariant());
        Check(Batch, parse.GetValue(Batch) == saved.BatchSize, $"{saved.BatchSize}");
        Check(Seed, parse.GetValue(Seed) == saved.Seed, $"{saved.Seed}");
        Check(TrainLimit, parse.GetValue(TrainLimit) == checkpoint.Run.TrainLimit, checkpoint.Run.TrainLimit?.ToString() ?? "all images");
        Check(TestLimit, parse.GetValue(TestLimit) == checkpoint.Run.TestLimit, checkpoint.Run.TestLimit?.ToString() ?? "all images");
        Check(CommonOptions.DataSetOption, parse.GetValue(CommonOptions.DataSetOption) == checkpoint.Run.DataSet, checkpoint.Run.DataSet);
        Check(Out, parse.GetValue(Out) is { } o && Path.GetFullPath(o) == dir, dir);
        var savedMetrics = Path.GetFullPath(Path.Combine(dir, checkpoint.Run.MetricsPath));
        Check(Metrics, parse.GetValue(Metrics) is { } m && Path.GetFullPath(m) == savedMetrics, savedMetrics);
        if (conflicts.Count > 0)
            throw new UsageException($"--resume keeps the options the run was started with; these differ: {string.Join(", ", conflicts)}. " +
                                     "Only --epochs (a new total), --device, --data, --cuda-graphs and --progress-ms may be given.");

        int epochs = Explicit(parse, Epochs) ? parse.GetValue(Epochs)!.Value : saved.Epochs;
        if (epochs < state.EpochsDone)
            throw new UsageException($"--epochs {epochs} is fewer than the {state.EpochsDone} epochs the run in {dir} has already done.");
        TrainingOptions options;
        try
        {
            options = (saved with { Epochs = epochs }).Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e is SettingException setting ? Wording.Of(setting) : e.Message);
        }
        string device = Explicit(parse, CommonOptions.Device) ? parse.GetValue(CommonOptions.Device)! : checkpoint.Run.Device;
        string? data = Explicit(parse, CommonOptions.Data) ? parse.GetValue(CommonOptions.Data) : checkpoint.Run.DataDirectory;
        var run = Open(() => TrainingRun.Resume(dir, checkpoint, metricsConfirmed: Explicit(parse, Metrics)));
        // The checkpoint's reader refuses a data set it does not know; one's own is read from --data again.
        var dataSet = DataSet.Find(checkpoint.Run.DataSet) ?? DataSet.Folder("the run's data set", checkpoint.Run.ClassNames ?? []);
        return new Plan(state.Spec, options, device, data, dataSet, checkpoint.Run.TrainLimit, checkpoint.Run.TestLimit, run, checkpoint);
    }

    /// <summary>The final model's recall per class on the (limited) test set, for the closing summary.</summary>
    private static IReadOnlyList<Model.Inference.ClassMetrics> PerClass(Accelerator accelerator, string modelPath, MnistSplit test,
        DataSet dataSet, CancellationToken cancellation)
    {
        using var classifier = new Model.Inference.Classifier(accelerator, ModelFormat.Load(modelPath), Math.Min(1000, test.Count));
        return classifier.Classify(test, cancellation).Confusion().PerClass(dataSet.ClassNames);
    }

    /// <summary>
    /// The network for the data as read: a new run outputs one class per class of the data set; a resumed run must
    /// find the classes (and, for a data set of one's own, their names) it was started with.
    /// </summary>
    private static NetworkSpec ClassesOf(Plan plan, DataSet dataSet)
    {
        int classes = dataSet.ClassNames.Count;
        if (plan.From is not { } from) return plan.Spec with { Classes = classes };
        if (plan.Spec.Classes != classes)
            throw new ResumeException($"Cannot resume the run in {plan.Run.Directory}: it classifies {plan.Spec.Classes} classes, the data in --data has {classes}.");
        if (dataSet.IsFolder && from.Run.ClassNames is { } names && !names.SequenceEqual(dataSet.ClassNames))
            throw new ResumeException($"Cannot resume the run in {plan.Run.Directory}: the class names in --data are not the ones it was started with.");
        return plan.Spec;
    }

    private static bool Explicit(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    private static int[]? SafeHidden(ParseResult parse)
    {
        try
        {
            return NetworkSpec.ParseHidden(parse.GetValue(Hidden)!);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static (NetworkSpec, TrainingOptions) ReadOptions(ParseResult parse)
    {
        try
        {
            ActivationNames.TryParse(parse.GetValue(ActivationOpt)!, out var activation);
            bool cnn = parse.GetValue(Arch) == "cnn";
            var baseSpec = cnn ? NetworkSpec.Cnn : NetworkSpec.Default;
            var hidden = Explicit(parse, Hidden) ? NetworkSpec.ParseHidden(parse.GetValue(Hidden)!) : baseSpec.Hidden;
            var spec = baseSpec with { Hidden = hidden, Activation = activation };
            // The CNN's default optimizer is Adam at 1e-3, as in the tutorial; --optimizer sgd still chooses SGD.
            var optimizer = Explicit(parse, OptimizerOpt) ? OptimizerCatalog.Find(parse.GetValue(OptimizerOpt)!)!.Kind
                : cnn ? OptimizerKind.Adam : OptimizerKind.Sgd;
            var options = new TrainingOptions
            {
                Epochs = parse.GetValue(Epochs) ?? DefaultEpochs(cnn, CommonOptions.ChosenDataSet(parse)),
                BatchSize = parse.GetValue(Batch),
                Optimizer = optimizer,
                LearningRate = parse.GetValue(Lr),
                Momentum = parse.GetValue(Momentum),
                Schedule = parse.GetValue(Schedule) == "constant" ? LearningRateSchedule.Constant : LearningRateSchedule.Cosine,
                Seed = parse.GetValue(Seed),
            }.Validate();
            spec.CheckBufferSizes(Math.Max(options.BatchSize, options.EvaluationBatchSize));
            return (spec, options);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e is SettingException setting ? Wording.Of(setting) : e.Message);
        }
    }

    /// <summary>
    /// Epochs when --epochs is not given: 10, as in the tutorials; 20 for the CNN on Fashion-MNIST, whose 10 epochs stop
    /// at the benchmark's 2-conv baseline (91.6 %) while 20 pass 92 % (measured, see the README).
    /// </summary>
    private static int DefaultEpochs(bool cnn, DataSet dataSet) => cnn && dataSet == DataSet.FashionMnist ? 20 : 10;

    private static int? Positive(int? value, string name) =>
        value is null or > 0 ? value : throw new UsageException($"{name} must be a positive number, got {value}.");

    /// <summary>"epoch 1 is", "epochs 1-3 are": the epochs a run folder holds.</summary>
    internal static string SavedEpochs(int saved) => saved == 1 ? "epoch 1 is" : $"epochs 1-{saved} are";

    private static string Capitalized(string text) => char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>
    /// A line on standard error; on a terminal, wrapped at word boundaries to its width (the terminal itself would
    /// break it mid-word, over the live display's last frame). Redirected, it stays one line for the log.
    /// </summary>
    private static void Notice(TextWriter error, string text)
    {
        bool terminal = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
        int width = 0;
        if (terminal)
            try { width = Console.WindowWidth; }
            catch (IOException) { }
        foreach (var line in Presentation.TextWrap.Lines(text, width)) error.WriteLine(line);
    }

    private static string Quote(string path) => path.Contains(' ') || path.Contains('\'') ? $"'{path.Replace("'", "'\\''")}'" : path;

}
