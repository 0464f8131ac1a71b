// Trains the tutorial network (or the CNN) through the library API and saves it:
//   dotnet run --project tools/Samples/TrainNetwork -- [mlp|cnn] [epochs] [device] [out.gdm]
using GpuDigits.Data;
using GpuDigits.Engine;
using GpuDigits.Model;
using GpuDigits.Model.Persistence;
using GpuDigits.Model.Training;

bool cnn = args.Length > 0 && args[0] == "cnn";
int epochs = args.Length > 1 ? int.Parse(args[1]) : 3;
string selector = args.Length > 2 ? args[2] : "cpu";
string output = args.Length > 3 ? args[3] : "sample-model.gdm";

string folder = await new MnistFetcher().EnsureAsync(null, new Progress<string>(Console.WriteLine)); // fetched and verified once
var data = MnistDataset.Load(folder);
var spec = cnn ? NetworkSpec.Cnn : NetworkSpec.Default;
var options = new TrainingOptions { Epochs = epochs, Optimizer = cnn ? OptimizerKind.Adam : OptimizerKind.Sgd, Seed = 1 }.Validate();

using var device = AcceleratorCatalog.Default().Open(selector);
using var trainer = new Trainer(device, spec, options, data.Train, data.Test, Normalization.FromImages(data.Train.Images));
trainer.Run(m => Console.WriteLine($"epoch {m.Epoch}: train loss {m.TrainLoss:F4}, test accuracy {m.TestAccuracy * 100:F2} %"));
ModelFormat.Save(ModelFile.FromNetwork(trainer.Network, trainer.Normalization), output);
Console.WriteLine($"saved {output} ({spec} on {device.Info.Id})");
