// Classifies a picture of a digit with a model trained by `gpudigits train`, through the library API:
//   dotnet run --project tools/Samples/ClassifyPicture -- runs/relu/model.gdm my-seven.png [device]
using GpuDigits.Data.Images;
using GpuDigits.Engine;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;

if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ClassifyPicture MODEL.gdm PICTURE [device]");
    return 2;
}
var model = ModelFormat.Load(args[0]);                               // checked and versioned .gdm file
var digit = MnistPreprocessor.Prepare(ImageFile.Read(args[1]), args[1]); // grayscale, crop, 20 px, centred in 28 x 28
using var device = AcceleratorCatalog.Default().Open(args.Length > 2 ? args[2] : "auto");
using var classifier = new Classifier(device, model, batchSize: 1);
var probabilities = classifier.Probabilities(digit.Pixels);
int best = Classifier.ArgMax(probabilities);
Console.WriteLine($"{args[1]}: {best} ({probabilities[best] * 100:F1} %) on {device.Info.Id}, model {model.Spec}");
return 0;
