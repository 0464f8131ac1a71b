using System.CommandLine;
using GpuDigits.Cli.Presentation;
using GpuDigits.Data.Images;
using GpuDigits.Engine;
using GpuDigits.Model.Inference;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits predict</c>: the three most probable digits for one MNIST test image (<c>--index</c>) or for a
/// picture file (<c>--image</c>: PNG or PGM of any size, made MNIST-like by <see cref="MnistPreprocessor"/>).
/// </summary>
public static class PredictCommand
{
    private static readonly Option<string> ModelOpt = ModelOptions.Model();
    private static readonly Option<int?> Index = new("--index", "-i") { Description = "Classify test image N (0-based) of the MNIST test set." };
    private static readonly Option<string> Image = new Option<string>("--image") { Description = "Classify a picture of one digit: PNG (any bit depth and colour type, interlaced too), JPEG, BMP, GIF (first frame), WebP or PGM (P2, P5); up to 50 megapixels, dark on light or light on dark." }.NotEmptyPath();
    private static readonly Option<bool> Show = new("--show") { Description = "Also print the 28 x 28 input the network saw, as text." };

    public const int Top = 3;

    public static Command Create()
    {
        var command = new Command("predict", "Show the three most probable digits for one test image or picture file.")
        {
            ModelOpt, Index, Image, CommonOptions.Device, CommonOptions.Data, CommonOptions.DataSetOption, Show,
        };
        command.SetAction((parse, ct) => Task.FromResult(Run(parse, ct)));
        return command;
    }

    private static int Run(ParseResult parse, CancellationToken cancellation)
    {
        var view = new PredictionView(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        int? index = parse.GetValue(Index);
        string? image = parse.GetValue(Image);
        if ((index is null) == (image is null))
            throw new UsageException("predict needs exactly one of --index N (a test image) and --image FILE (a picture).");
        if (index < 0) throw new UsageException($"--index must be 0 or more, got {index}.");

        string modelPath = Path.GetFullPath(parse.GetValue(ModelOpt)!);
        var model = ModelOptions.Load(modelPath);
        var catalog = EnvironmentSettings.Catalog();
        var deviceInfo = catalog.Resolve(parse.GetValue(CommonOptions.Device)!);
        var dataSet = CommonOptions.ChosenDataSet(parse, model);

        byte[] pixels;
        int? label = null;
        string source;
        if (index is { } i)
        {
            (dataSet, var test) = MnistLoader.LoadTest(parse.GetValue(CommonOptions.Data), dataSet, model, modelPath, view.Status, cancellation);
            if (i >= test.Count) throw new UsageException($"--index must be below {test.Count:N0} (the number of test images), got {i}.");
            pixels = test.Image(i).ToArray();
            label = test.Labels[i];
            source = $"{dataSet.Title} test image {i} (label {dataSet.Label(label.Value)})";
        }
        else
        {
            var picture = ImageFile.Read(image!);
            var digit = MnistPreprocessor.Prepare(picture, image!);
            pixels = digit.Pixels;
            source = $"{image}: {picture.Width} x {picture.Height}, {(digit.Inverted ? "dark on light (inverted)" : "light on dark")}, " +
                     $"digit found in {digit.DigitBox.Width} x {digit.DigitBox.Height} at ({digit.DigitBox.X}, {digit.DigitBox.Y})";
        }

        if (image is not null) model.CheckClassifies(modelPath, dataSet); // a test image was checked as its split was read
        float[] probabilities;
        using (var accelerator = catalog.Open(deviceInfo.Id))
        using (var classifier = new Classifier(accelerator, model, batchSize: 1))
            probabilities = classifier.Probabilities(pixels);

        view.Show(source, Classification.TopOf(probabilities, Top), label, deviceInfo.Id, dataSet);
        if (parse.GetValue(Show)) view.Picture(pixels);
        return ExitCodes.Success;
    }
}
