using System.Collections.Concurrent;
using GpuDigits.Data;
using GpuDigits.Reports.Plotting;

namespace GpuDigits.Web;

/// <summary>
/// Draws the predictions sheet of a run's model on its data set's test split, read (never fetched: the server writes
/// nothing) from where <c>gpudigits train</c> keeps a known data set (MNIST: <paramref name="mnistDirectory"/> when
/// given), and for a data set of one's own from <paramref name="ownDataDirectory"/> (<c>serve --data</c>), whose names
/// must agree with the model's. One sheet per model file is kept until the file changes.
/// </summary>
public sealed class SheetMaker(ModelStore models, string? ownDataDirectory, string? mnistDirectory)
{
    private readonly ConcurrentDictionary<string, (FileStamp Stamp, string Svg)> _drawn = new(StringComparer.Ordinal);

    public async Task<string> SvgAsync(string modelPath, string label, CancellationToken cancellation)
    {
        var stamp = FileStamp.Of(modelPath);
        if (_drawn.TryGetValue(modelPath, out var known) && known.Stamp == stamp) return known.Svg;
        var model = await models.GetAsync(modelPath, label, cancellation);
        var (set, test) = TestSplit(model);
        var result = await models.ClassifyAsync(model, test, cancellation);
        var svg = new Utf8Text();
        PredictionSheet.Render(svg, $"{label} ({model.Model.Spec}) on the {set.Title} test set", test, result,
            classNames: set.HasClassNames ? set.ClassNames : model.Model.ClassNames);
        _drawn[modelPath] = (stamp, svg.ToString());
        return svg.ToString();
    }

    private (DataSet Set, MnistSplit Test) TestSplit(ServedModel model)
    {
        var set = model.Model.DataSet ?? throw ApiProblem.Unprocessable($"{model.Label} was trained on data set '{model.Model.DataSetName}', which this build does not know");
        string folder;
        if (set.IsFolder)
            folder = ownDataDirectory ?? throw ApiProblem.NotFound($"{model.Label} was trained on a data set of one's own; start serve with --data DIR (its folder) to draw its sheet");
        else
            folder = MnistFetcher.ResolveDirectory(set == DataSet.Mnist ? mnistDirectory : null, set);
        try
        {
            var (read, test) = set.IsFolder ? FolderDataSet.LoadTest(folder) : (set, MnistDataset.LoadTest(folder));
            model.Model.CheckClassifies(model.Path, read);
            return (read, test);
        }
        catch (DataUnavailableException e)
        {
            throw ApiProblem.NotFound($"the {set.Title} test images are not in {folder} ({e.Message.Split(". ")[0]}); 'gpudigits train --dataset {set.Name}' fetches them{(set == DataSet.Mnist ? ", or set GPUDIGITS_DATA to their folder" : "")}");
        }
        catch (Exception e) when (e is DataFormatException or Model.Persistence.ModelFormatException or IOException)
        {
            throw ApiProblem.Unprocessable($"the {set.Title} test images in {folder} cannot be used: {e.Message}");
        }
    }
}
