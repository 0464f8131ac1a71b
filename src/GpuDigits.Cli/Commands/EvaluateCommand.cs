using System.CommandLine;
using GpuDigits.Cli.Presentation;
using GpuDigits.Engine;
using GpuDigits.Model.Inference;
using GpuDigits.Reports.Evaluation;
using GpuDigits.Reports.Plotting;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits evaluate</c>: runs a saved model over the MNIST test set on an accelerator; shows loss, accuracy,
/// per-class precision and recall and the confusion matrix; writes them as CSV files; optionally draws the
/// predictions sheet (SVG or PNG).
/// </summary>
public static class EvaluateCommand
{
    private static readonly Option<string> ModelOpt = ModelOptions.Model();
    private static readonly Option<string> Out = new Option<string>("--out") { Description = "Folder for the CSV files <model>-summary.csv, <model>-per-class.csv and <model>-confusion.csv (default: the model's folder)." }.NotEmptyPath();
    private static readonly Option<string> Sheet = new Option<string>("--sheet") { Description = "Also draw the predictions sheet (digits with predictions and probabilities, confusion heat map) into this file: SVG or PNG, by its extension." }.NotEmptyPath();
    private static readonly Option<int?> TestLimit = new("--test-limit") { Description = "Use only the first N test images." };

    public static Command Create()
    {
        var command = new Command("evaluate", "Evaluate a saved model on the MNIST test set: loss, accuracy, per-class precision and recall, confusion matrix.")
        {
            ModelOpt, CommonOptions.Device, CommonOptions.Data, CommonOptions.DataSetOption, Out, Sheet, TestLimit,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        var view = new EvaluationView(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        string modelPath = Path.GetFullPath(parse.GetValue(ModelOpt)!);
        int? testLimit = parse.GetValue(TestLimit);
        if (testLimit is <= 0) throw new UsageException($"--test-limit must be a positive number, got {testLimit}.");
        string? sheet = parse.GetValue(Sheet) is { } s ? Path.GetFullPath(s) : null;
        if (sheet is not null && !PredictionSheet.Extensions.Any(e => sheet.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new UsageException($"--sheet writes an SVG or a PNG file; give it a name ending in .svg or .png, got '{sheet}'.");
        string outDir = Path.GetFullPath(parse.GetValue(Out) ?? Path.GetDirectoryName(modelPath)!);
        string stem = Path.GetFileNameWithoutExtension(modelPath);
        var files = new[]
        {
            Path.Combine(outDir, $"{stem}-summary.csv"),
            Path.Combine(outDir, $"{stem}-per-class.csv"),
            Path.Combine(outDir, $"{stem}-confusion.csv"),
        };
        var outputs = files.Select(f => new OutputGuard.Output(f, "--out")).ToList();
        if (sheet is not null) outputs.Add(new(sheet, "--sheet"));
        foreach (var output in outputs) OutputGuard.Refuse(output.Path, output.Option, new OutputGuard.Input(modelPath, "--model"));

        var model = ModelOptions.Load(modelPath);
        var catalog = EnvironmentSettings.Catalog();
        var deviceInfo = catalog.Resolve(parse.GetValue(CommonOptions.Device)!);
        var (dataSet, test) = MnistLoader.LoadTest(parse.GetValue(CommonOptions.Data), CommonOptions.ChosenDataSet(parse, model), model, modelPath,
            view.Status, cancellation, outputs);
        if (testLimit is { } limit && limit < test.Count) test = test.Take(limit);

        Classification result;
        using (var accelerator = catalog.Open(deviceInfo.Id))
        using (var classifier = new Classifier(accelerator, model))
        {
            view.Header(modelPath, model, accelerator.Info, test.Count, dataSet);
            result = classifier.Classify(test, cancellation);
        }
        var matrix = result.Confusion();
        var perClass = matrix.PerClass(dataSet.ClassNames);
        view.Results(result, matrix, perClass, dataSet);

        Directory.CreateDirectory(outDir);
        EvaluationCsv.WriteSummary(files[0], new EvaluationSummary(Path.GetFileName(modelPath), deviceInfo.Id, result.Count, result.Loss, result.Accuracy));
        EvaluationCsv.WritePerClass(files[1], perClass);
        EvaluationCsv.WriteConfusion(files[2], matrix, dataSet.HasClassNames && dataSet.ClassNames.Count == matrix.Classes ? dataSet.ClassNames : null);
        view.Wrote(files);

        if (sheet is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(sheet)!);
            PredictionSheet.Write(sheet, $"{Path.GetFileName(modelPath)} ({model.Spec}) on the {dataSet.Title} test set", test, result,
                classNames: dataSet.HasClassNames ? dataSet.ClassNames : null);
            view.Wrote([sheet]);
        }
        return ExitCodes.Success;
    }
}
