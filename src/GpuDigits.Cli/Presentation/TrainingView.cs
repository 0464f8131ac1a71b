using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Training;
using Spectre.Console;

namespace GpuDigits.Cli.Presentation;

/// <summary>What <c>train</c> shows: a header, a live progress bar on a terminal (one line per epoch otherwise), a summary.</summary>
public sealed class TrainingView(IAnsiConsole output, TextWriter error)
{
    private readonly IAnsiConsole _out = output;

    public TrainingView(TextWriter output, TextWriter error) : this(ConsoleFactory.For(output), error) { }

    /// <summary>Data-fetching and other status messages go to standard error, keeping standard output for results.</summary>
    public void Status(string message) => error.WriteLine(message);

    public void Header(AcceleratorInfo device, NetworkSpec spec, TrainingOptions options, int trainCount, int testCount, string metricsPath)
    {
        _out.MarkupLine($"[bold]GpuDigits[/] training {Markup.Escape(spec.ToString())} ({spec.ParameterCount:N0} parameters) on [bold]{Markup.Escape(device.Id)}[/] ({Markup.Escape(device.Name)})");
        _out.MarkupLine($"  {OptimizerCatalog.Get(options.Optimizer).Name} lr {Phrase.Number(options.BaseLearningRate)} ({options.Schedule.ToString().ToLowerInvariant()})" +
                        $"{(options.Optimizer == OptimizerKind.Sgd ? $" momentum {Phrase.Number(options.Momentum)}" : "")}, batch {options.BatchSize}, {Plural(options.Epochs, "epoch")}, seed {options.Seed}");
        _out.MarkupLine($"  {Phrase.Count(trainCount, "training image")} / {Phrase.Count(testCount, "test image")}; metrics -> {Markup.Escape(metricsPath)}");
    }

    public void Resuming(string directory, int epochsDone, int epochs, string savedDevice, string device)
    {
        _out.MarkupLine($"Resuming [bold]{Markup.Escape(directory)}[/] after epoch {epochsDone} of {epochs}.");
        if (savedDevice != device)
            _out.MarkupLine($"[yellow]The run started on {Markup.Escape(savedDevice)} and continues on {Markup.Escape(device)}: its results will not match an uninterrupted run bit for bit.[/]");
    }

    public void AlreadyComplete(string directory, int epochsDone) =>
        _out.MarkupLine($"The run in {Markup.Escape(directory)} has already done all {Plural(epochsDone, "epoch")}; give --epochs N to train further.");

    /// <summary>Runs <paramref name="training"/> with a sink that updates the display.</summary>
    public void Train(int epochs, Action<IProgressSink> training)
    {
        if (!_out.Profile.Capabilities.Interactive)
        {
            training(new LineSink(_out));
            return;
        }
        _out.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            // Fits 80 columns: a description of at most 36 characters (epoch, running loss and accuracy), a short bar,
            // and what is left of the epoch and of the run, both in one format (RemainingColumn).
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 10 },
                new RemainingColumn())
            .Start(ctx => training(new LiveSink(_out, ctx, epochs)));
    }

    internal static string Plural(int count, string noun) => Phrase.Count(count, noun);

    public void Summary(IReadOnlyList<EpochMetrics> history, string metricsPath)
    {
        if (history.Count == 0) return;
        var last = history[^1];
        var best = history.MaxBy(h => h.TestAccuracy)!;
        double seconds = history.Sum(h => h.EpochSeconds);
        _out.MarkupLine($"[bold green]Final test accuracy {last.TestAccuracy * 100:F2} %[/] (test loss {last.TestLoss:F4}); best {best.TestAccuracy * 100:F2} % at epoch {best.Epoch}.");
        // Images over time, not the mean of the per-epoch rates (which weights a slow epoch as much as a fast one).
        double images = history.Sum(h => h.SamplesPerSecond * h.EpochSeconds);
        _out.MarkupLine($"Training time {seconds:F1} s ({seconds / history.Count:F2} s per epoch, {images / Math.Max(seconds, 1e-9):N0} samples/s). Metrics: {Markup.Escape(metricsPath)}");
    }

    /// <summary>The classes the final model gets wrong most often on the test set, and the one it gets right most often, by name.</summary>
    public void Classes(IReadOnlyList<ClassMetrics> perClass, DataSet dataSet)
    {
        var present = perClass.Where(m => m.Count > 0).OrderBy(m => m.Recall).ThenBy(m => m.Class).ToList();
        if (present.Count < 2) return;
        string Item(ClassMetrics m) => $"{Markup.Escape(dataSet.Label(m.Class))} {m.Recall * 100:F1} %";
        var weakest = present.Take(Math.Min(3, present.Count - 1)).Select(Item);
        string plural = dataSet.ClassWord == "class" ? "classes" : "digits";
        _out.MarkupLine($"Weakest {plural} on the test set: {string.Join(", ", weakest)}; strongest: {Item(present[^1])}.");
    }

    public void Models(string finalPath, string bestPath, EpochMetrics best) =>
        _out.MarkupLine($"Model: {Markup.Escape(finalPath)}; best epoch ({best.Epoch}, test accuracy {best.TestAccuracy * 100:F2} %): {Markup.Escape(bestPath)}");
    /// <summary>How the training steps reached the device: replays of one recorded step (a CUDA graph), or op by op.</summary>
    public void StepMode(Accelerator accelerator, long replayedSteps, int recordedOps)
    {
        if (replayedSteps > 0)
            _out.MarkupLine($"Training steps: {replayedSteps:N0} replayed from one recorded step of {recordedOps} ops (CUDA graph).");
        else if (accelerator.Info.Kind == AcceleratorKind.Cuda)
            _out.MarkupLine(accelerator.StepRecordingEnabled
                ? $"Training steps: ops launched one by one ({Markup.Escape(accelerator.StepRecordingUnavailableReason ?? "no step was recorded")})."
                : "Training steps: ops launched one by one (CUDA graphs off).");
    }

    /// <summary>One finished epoch in at most 80 columns: loss and accuracy as train/test, then thousands of images per second.</summary>
    public static string EpochLine(EpochMetrics m) =>
        $"epoch {m.Epoch,3} loss {m.TrainLoss:F4}/{m.TestLoss:F4} acc {m.TrainAccuracy * 100:F2}/{m.TestAccuracy * 100:F2}% lr {Phrase.Number(m.LearningRate, 3)} {m.EpochSeconds:F2} s {m.SamplesPerSecond / 1000:F0}k/s";

    /// <summary>
    /// The live description of a batch: epoch, running loss and accuracy (the bar beside it shows the batches; the
    /// batch counts would not leave room for the times left in 80 columns).
    /// </summary>
    public static string BatchLine(BatchProgress p, int epochs) =>
        $"ep {p.Epoch}/{epochs} loss {Phrase.Number(p.RunningLoss, 3)} acc {p.RunningAccuracy * 100:F1}%";

    /// <summary>
    /// The live description once an epoch's last batch is done: the trainer evaluates the test set next (the last
    /// report of an epoch comes just before its test pass), so the display says so instead of standing still.
    /// </summary>
    public static string TestingLine(BatchProgress p, int epochs) => $"ep {p.Epoch}/{epochs} testing ...";

    /// <summary>
    /// What is left, after the bar: "left: epoch 0:06, run 2:03:30". Both times in one format, m:ss or h:mm:ss, and
    /// called what they are (time left, not time spent); "left: estimating" before the first batch.
    /// </summary>
    public static string RemainingLine(TimeSpan? epochLeft, TimeSpan? runLeft) =>
        epochLeft is { } e && runLeft is { } r ? $"left: epoch {Duration(e)}, run {Duration(r)}" : "left: estimating";

    /// <summary>"0:06", "12:34", "2:03:30": minutes and seconds, with hours in front from an hour on.</summary>
    public static string Duration(TimeSpan t)
    {
        long seconds = (long)Math.Round(Math.Max(0, t.TotalSeconds));
        return seconds >= 3600 ? $"{seconds / 3600}:{seconds / 60 % 60:00}:{seconds % 60:00}" : $"{seconds / 60}:{seconds % 60:00}";
    }

    /// <summary>The column after the bar: <see cref="RemainingLine"/> of the task's state, set by the sink.</summary>
    private sealed class RemainingColumn : ProgressColumn
    {
        public const string EpochKey = "epoch-left-s", RunKey = "run-left-s";

        protected override bool NoWrap => true;

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            double epoch = task.State.Get<double>(EpochKey), run = task.State.Get<double>(RunKey);
            bool known = task.Value > 0 && epoch >= 0 && run >= 0;
            return new Text(known ? RemainingLine(TimeSpan.FromSeconds(epoch), TimeSpan.FromSeconds(run)) : RemainingLine(null, null),
                new Style(Color.Grey));
        }
    }

    /// <summary>Receives training progress from the trainer.</summary>
    public interface IProgressSink
    {
        void Batch(BatchProgress progress);
        void EpochDone(EpochMetrics metrics);
    }

    private sealed class LineSink(IAnsiConsole console) : IProgressSink
    {
        public void Batch(BatchProgress progress) { }
        public void EpochDone(EpochMetrics metrics) => console.WriteLine(EpochLine(metrics));
    }

    private sealed class LiveSink(IAnsiConsole console, ProgressContext context, int epochs) : IProgressSink
    {
        private ProgressTask? _task;
        private readonly List<double> _epochSeconds = [];
        private readonly System.Diagnostics.Stopwatch _epoch = System.Diagnostics.Stopwatch.StartNew();

        public void Batch(BatchProgress p)
        {
            if (_task is null)
            {
                _task = context.AddTask($"epoch {p.Epoch}/{epochs}", maxValue: p.Batches);
                _epoch.Restart();
            }
            _task.Value = p.Batch;
            _task.Description = p.Batch == p.Batches ? TestingLine(p, epochs) : BatchLine(p, epochs);
            var (epochLeft, runLeft) = Remaining(p);
            _task.State.Update<double>(RemainingColumn.EpochKey, _ => epochLeft);
            _task.State.Update<double>(RemainingColumn.RunKey, _ => runLeft);
        }

        /// <summary>
        /// Seconds left: the rest of this epoch at its rate so far, and that plus the later epochs at the mean of the
        /// finished ones (-1: not known before the first batch).
        /// </summary>
        private (double Epoch, double Run) Remaining(BatchProgress p)
        {
            if (p.Batch < 1) return (-1, -1);
            double thisEpoch = _epoch.Elapsed.TotalSeconds / p.Batch * (p.Batches - p.Batch);
            double perEpoch = _epochSeconds.Count > 0 ? _epochSeconds.Average() : _epoch.Elapsed.TotalSeconds / p.Batch * p.Batches;
            return (thisEpoch, thisEpoch + perEpoch * Math.Max(0, epochs - p.Epoch));
        }

        public void EpochDone(EpochMetrics metrics)
        {
            _task?.StopTask();
            _task = null;
            _epochSeconds.Add(_epoch.Elapsed.TotalSeconds);
            console.WriteLine(EpochLine(metrics));
        }
    }
}
