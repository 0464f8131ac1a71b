using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using GpuDigits.Data;
using GpuDigits.Data.Images;
using GpuDigits.Model.Inference;
using GpuDigits.Model.Persistence;
using GpuDigits.Tests.Engine;
using GpuDigits.Tests.Images;
using GpuDigits.Web;
using NUnit.Framework;

namespace GpuDigits.Tests.Web;

/// <summary>
/// The serve API through ASP.NET Core's in-process test host, on a default run trained by the CLI: classifications
/// equal the classifier's own, and every hostile request gets a one-line 4xx (or is served) with nothing written.
/// </summary>
[NonParallelizable]
public sealed class ServeApiTests
{

    private TestSite _site = null!;
    private HttpClient Client => _site.Client;

    [OneTimeSetUp]
    public async Task Start() => _site = await TestSite.StartAsync(ServedRuns.DefaultModel, ServedRuns.Root);

    [OneTimeTearDown]
    public async Task Stop() => await _site.DisposeAsync();

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<string> RefusedWith(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"), text);
        var error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        Assert.That(error, Does.Not.Contain("\n").And.Not.Contain("   at "), "one line, no stack trace");
        return error;
    }

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetSingle())];

    private static float[] DirectProbabilities(byte[] pixels)
    {
        using var accelerator = TestAccelerators.Catalog.Open("cpu");
        using var classifier = new Classifier(accelerator, ModelFormat.Load(ServedRuns.DefaultModel), batchSize: 1);
        return classifier.Probabilities(pixels);
    }

    [Test]
    public async Task APictureIsPreparedAsPredictImageDoesAndClassified()
    {
        using var body = new ByteArrayContent(await File.ReadAllBytesAsync(TestData.SevenPng));
        body.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await Client.PostAsync("/api/predict", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        var answer = await Json(response);
        var prepared = MnistPreprocessor.Prepare(ImageFile.Read(TestData.SevenPng)).Pixels;
        Assert.That(answer.GetProperty("pixels").EnumerateArray().Select(p => (byte)p.GetInt32()), Is.EqualTo(prepared));
        Assert.That(answer.GetProperty("top").GetInt32(), Is.EqualTo(7));
        Assert.That(answer.GetProperty("topName").GetString(), Is.EqualTo("7"));
        Assert.That(answer.GetProperty("inverted").GetBoolean(), Is.True, "seven.png is dark ink on light paper");
        Assert.That(Floats(answer.GetProperty("probabilities")), Is.EqualTo(DirectProbabilities(prepared)));
        Assert.That(answer.GetProperty("model").GetString(), Is.EqualTo("model.gdm"));
    }

    [Test]
    public async Task PixelsAreClassifiedAsTheyAre()
    {
        var test = MnistDataset.LoadTest(TestData.MnistDirectory());
        for (int i = 0; i < 5; i++)
        {
            var pixels = test.Image(i).ToArray();
            using var response = await Client.PostAsJsonAsync("/api/predict", new { pixels = pixels.Select(p => (int)p) });
            var answer = await Json(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
            var expected = DirectProbabilities(pixels);
            Assert.That(Floats(answer.GetProperty("probabilities")), Is.EqualTo(expected), $"test image {i}");
            Assert.That(answer.GetProperty("top").GetInt32(), Is.EqualTo(Classifier.ArgMax(expected)));
            Assert.That(answer.GetProperty("inverted").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
    }

    private static HttpContent Content(string type, byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        if (type.Length > 0) content.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
        return content;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string PixelsJson(int count, int value = 0) => "{\"pixels\":[" + string.Join(",", Enumerable.Repeat(value, count)) + "]}";

    public static IEnumerable<TestCaseData> BadBodies()
    {
        TestCaseData Case(string name, string type, byte[] body, HttpStatusCode status, string says) =>
            new TestCaseData(type, body, status, says).SetName($"BadBody({name})");
        yield return Case("wrong pixel count", "application/json", Utf8(PixelsJson(783)), HttpStatusCode.BadRequest, "has 783 values; a 28 x 28 image has 784");
        yield return Case("pixel out of range", "application/json", Utf8(PixelsJson(784, 256)), HttpStatusCode.BadRequest, "pixel 0 is 256; pixels are 0..255");
        yield return Case("negative pixel", "application/json", Utf8(PixelsJson(784, -1)), HttpStatusCode.BadRequest, "pixels are 0..255");
        yield return Case("malformed JSON", "application/json", Utf8("{\"pixels\": [1, 2,"), HttpStatusCode.BadRequest, "not valid JSON");
        yield return Case("JSON of another shape", "application/json", Utf8("[1, 2, 3]"), HttpStatusCode.BadRequest, "not valid JSON");
        yield return Case("JSON without pixels", "application/json", Utf8("{\"image\": 1}"), HttpStatusCode.BadRequest, "needs \"pixels\"");
        yield return Case("pixels as text", "application/json", Utf8("{\"pixels\": \"abc\"}"), HttpStatusCode.BadRequest, "not valid JSON");
        yield return Case("not a picture", "image/png", Utf8("this is not a picture"), HttpStatusCode.BadRequest, "neither a PNG");
        yield return Case("a PPM", "application/octet-stream", Utf8("P6\n2 2\n255\n............"), HttpStatusCode.BadRequest, "PBM/PPM");
        yield return Case("empty body", "image/png", [], HttpStatusCode.BadRequest, "no picture in its body");
        yield return Case("a blank picture", "image/png", new TestPng { Width = 40, Height = 40, Samples = new byte[1600] }.Encode(), HttpStatusCode.BadRequest, "shows no digit");
        yield return Case("a form", "application/x-www-form-urlencoded", Utf8("a=1"), HttpStatusCode.UnsupportedMediaType, "is not read");
        yield return Case("text", "text/plain", Utf8("7"), HttpStatusCode.UnsupportedMediaType, "is not read");
    }

    [TestCaseSource(nameof(BadBodies))]
    public async Task BadBody(string type, byte[] body, HttpStatusCode status, string says)
    {
        using var content = Content(type, body);
        using var response = await Client.PostAsync("/api/predict", content);
        Assert.That(await RefusedWith(response, status), Does.Contain(says));
    }

    /// <summary>A PNG of 100 bytes that claims 100,000 x 100,000 pixels: refused from its header, never decoded.</summary>
    [Test]
    public async Task APngBombIsRefusedFromItsHeader()
    {
        var header = new byte[13];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header, 100_000);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), 100_000);
        header[8] = 8; // 8-bit gray
        byte[] png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. TestPng.Chunk("IHDR", header),
            .. TestPng.Chunk("IDAT", TestPng.Zlib(new byte[4096])), .. TestPng.Chunk("IEND", [])];
        using var content = Content("image/png", png);
        using var response = await Client.PostAsync("/api/predict", content);
        Assert.That(await RefusedWith(response, HttpStatusCode.BadRequest), Does.Contain("too large to decode"));
    }

    /// <summary>A 100 MB body, declared (refused before it is read) and streamed without a length (refused as it passes the limit).</summary>
    [TestCase(true)]
    [TestCase(false)]
    public async Task AHundredMegabyteBodyIsRefused(bool declared)
    {
        const long size = 100L << 20;
        var stream = new ZeroStream(size);
        using var content = new StreamContent(stream);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        if (declared) content.Headers.ContentLength = size;
        using var response = await Client.PostAsync("/api/predict", content);
        Assert.That(await RefusedWith(response, HttpStatusCode.RequestEntityTooLarge), Does.Contain($"at most {ImageFile.MaxFileBytes:N0} bytes"));
        Assert.That(stream.BytesRead, Is.LessThanOrEqualTo(ImageFile.MaxFileBytes + (1 << 20)), "reading stopped at the limit");
    }

    [TestCase("..")]
    [TestCase("../..")]
    [TestCase("..%2F..%2Fetc")]
    [TestCase("%2e%2e")]
    [TestCase("default%2F..%2F..")]
    [TestCase("%2Fetc%2Fpasswd")]
    [TestCase("nonesuch")]
    public async Task ARunNameOutsideTheRunsFolderIsNotFound(string name)
    {
        foreach (var path in new[] { $"/api/runs/{name}", $"/api/runs/{name}/chart.svg", $"/api/runs/{name}/sheet.svg" })
        {
            var (status, body) = await _site.RawGet(path);
            Assert.That(status, Is.EqualTo(404), $"{path}: {body}");
            Assert.That(JsonDocument.Parse(body).RootElement.GetProperty("error").GetString(), Does.StartWith("there is no").Or.StartWith("there is nothing"), path);
        }
        using var predict = await Client.PostAsync($"/api/predict?run={name}", Content("application/json", Utf8(PixelsJson(784))));
        Assert.That(await RefusedWith(predict, HttpStatusCode.NotFound), Does.Contain("no run called"));
    }

    [Test]
    public async Task ALinkedFolderIsNotARun()
    {
        var outside = Directory.CreateTempSubdirectory("gpudigits-outside-").FullName;
        var link = Path.Combine(ServedRuns.Root, "linked");
        try
        {
            File.Copy(Path.Combine(ServedRuns.DefaultRunFolder, "metrics.csv"), Path.Combine(outside, "metrics.csv"));
            Directory.CreateSymbolicLink(link, outside);
            using var response = await Client.GetAsync("/api/runs/linked");
            Assert.That(await RefusedWith(response, HttpStatusCode.NotFound), Does.Contain("no run called 'linked'"));
            var names = (await Json(await Client.GetAsync("/api/runs"))).EnumerateArray().Select(r => r.GetProperty("name").GetString());
            Assert.That(names, Does.Not.Contain("linked"));
        }
        finally
        {
            File.Delete(link);
            Directory.Delete(outside, true);
        }
    }

    [Test]
    public async Task OtherRequestsGetOneLineToo()
    {
        Assert.That(await RefusedWith(await Client.GetAsync("/api/predict"), HttpStatusCode.MethodNotAllowed), Does.Contain("GET /api/predict"));
        Assert.That(await RefusedWith(await Client.GetAsync("/nothing/here"), HttpStatusCode.NotFound), Does.Contain("nothing at GET /nothing/here"));
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        request.Headers.Host = "attacker.example";
        Assert.That(await RefusedWith(await Client.SendAsync(request), HttpStatusCode.BadRequest), Does.Contain("answers only to localhost"));
    }

    [Test]
    public async Task TheRunsAreListedWithTheirEpochsCurvesAndSheet()
    {
        var rows = MetricsCsvReader.Read(Path.Combine(ServedRuns.DefaultRunFolder, "metrics.csv"));
        var runs = await Json(await Client.GetAsync("/api/runs"));
        var run = runs.EnumerateArray().Single(r => r.GetProperty("name").GetString() == ServedRuns.DefaultRun);
        Assert.That(run.GetProperty("epochs").GetInt32(), Is.EqualTo(rows.Count));
        Assert.That(run.GetProperty("totalEpochs").GetInt32(), Is.EqualTo(10));
        Assert.That(run.GetProperty("running").GetBoolean(), Is.False);
        Assert.That(run.GetProperty("model").GetString(), Is.EqualTo("model.gdm"));
        Assert.That(run.GetProperty("lastAccuracy").GetDouble(), Is.EqualTo(rows[^1].TestAccuracy));

        var detail = await Json(await Client.GetAsync($"/api/runs/{ServedRuns.DefaultRun}"));
        var epochs = detail.GetProperty("epochs").EnumerateArray().ToList();
        Assert.That(epochs.Select(e => e.GetProperty("testLoss").GetDouble()), Is.EqualTo(rows.Select(r => r.TestLoss)));

        using var chart = await Client.GetAsync($"/api/runs/{ServedRuns.DefaultRun}/chart.svg");
        Assert.That(chart.Content.Headers.ContentType?.MediaType, Is.EqualTo("image/svg+xml"));
        var svg = await chart.Content.ReadAsStringAsync();
        Assert.That(svg, Does.StartWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
        Assert.That(System.Text.RegularExpressions.Regex.Count(svg, "<circle"), Is.EqualTo(4 * rows.Count), "train and test points in both panels");

        using var sheet = await Client.GetAsync($"/api/runs/{ServedRuns.DefaultRun}/sheet.svg");
        var sheetSvg = await sheet.Content.ReadAsStringAsync();
        Assert.That(sheet.StatusCode, Is.EqualTo(HttpStatusCode.OK), sheetSvg);
        Assert.That(sheetSvg, Does.Contain("on the MNIST test set"));
    }

    [Test]
    public async Task ARunsModelClassifiesWhenNamed()
    {
        using var response = await Client.PostAsync($"/api/predict?run={ServedRuns.DefaultRun}", Content("application/json", Utf8(PixelsJson(784, 0))));
        var answer = await Json(response);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
        Assert.That(answer.GetProperty("model").GetString(), Is.EqualTo($"{ServedRuns.DefaultRun}/model.gdm"));
    }

    /// <summary>A model with class names (Fashion-MNIST) answers with them: every class's name and the top one's.</summary>
    [Test]
    public async Task ClassNamesComeFromTheModel()
    {
        var data = TestData.FashionMnistDirectory();
        var run = Path.Combine(Directory.CreateTempSubdirectory("gpudigits-serve-fashion-").FullName, "fashion");
        try
        {
            var (code, _, err) = Viz.CliRunner.Run("train", "--dataset", "fashion-mnist", "--data", data, "--device", "cpu",
                "--epochs", "1", "--train-limit", "6000", "--out", run);
            Assert.That(code, Is.Zero, err);
            await using var site = await TestSite.StartAsync(Path.Combine(run, "model.gdm"), null);
            var test = MnistDataset.LoadTest(data);
            using var response = await site.Client.PostAsJsonAsync("/api/predict", new { pixels = test.Image(0).ToArray().Select(p => (int)p) });
            var answer = await Json(response);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), answer.ToString());
            var classes = answer.GetProperty("classes").EnumerateArray().Select(c => c.GetString()).ToList();
            Assert.That(classes, Is.EqualTo(DataSet.FashionMnist.ClassNames));
            Assert.That(answer.GetProperty("topName").GetString(), Is.EqualTo(classes[answer.GetProperty("top").GetInt32()]));
            var info = await Json(await site.Client.GetAsync("/api/info"));
            Assert.That(info.GetProperty("classes")[1].GetString(), Is.EqualTo("Trouser"));
            Assert.That(info.GetProperty("runs").GetBoolean(), Is.False);
            using var runs = await site.Client.GetAsync("/api/runs/any");
            Assert.That(await RefusedWith(runs, HttpStatusCode.NotFound), Does.Contain("started without --runs"));
        }
        finally { Directory.Delete(Path.GetDirectoryName(run)!, recursive: true); }
    }

    /// <summary>A run on a data set of one's own: its sheet needs serve's --data, and then names the classes.</summary>
    [Test]
    public async Task AnOwnDataSetsSheetReadsItsFolderFromData()
    {
        var temp = Directory.CreateTempSubdirectory("gpudigits-serve-own-").FullName;
        try
        {
            var mnist = MnistDataset.Load(TestData.MnistDirectory());
            var data = Data.OwnDataFolder.Write(Path.Combine(temp, "digits-017"), Data.OwnDataFolder.Digits(mnist.Train, [0, 1, 7], 2000),
                Data.OwnDataFolder.Digits(mnist.Test, [0, 1, 7], 300), ["zero", "one", "seven"]);
            var runs = Path.Combine(temp, "runs");
            var (code, _, err) = Viz.CliRunner.Run("train", "--data", data, "--device", "cpu", "--epochs", "1", "--out", Path.Combine(runs, "own"));
            Assert.That(code, Is.Zero, err);
            await using (var without = await TestSite.StartAsync(null, runs))
            {
                using var response = await without.Client.GetAsync("/api/runs/own/sheet.svg");
                Assert.That(await RefusedWith(response, HttpStatusCode.NotFound), Does.Contain("start serve with --data DIR"));
            }
            await using var site = await TestSite.StartAsync(null, runs, ownData: data);
            using var sheet = await site.Client.GetAsync("/api/runs/own/sheet.svg");
            var svg = await sheet.Content.ReadAsStringAsync();
            Assert.That(sheet.StatusCode, Is.EqualTo(HttpStatusCode.OK), svg);
            Assert.That(svg, Does.Contain("seven"));
            using var predict = await site.Client.PostAsync("/api/predict?run=own", Content("image/png", await File.ReadAllBytesAsync(TestData.SevenPng)));
            var answer = await Json(predict);
            Assert.That(answer.GetProperty("topName").GetString(), Is.EqualTo("seven"), answer.ToString());
        }
        finally { Directory.Delete(temp, recursive: true); }
    }

    [Test]
    public async Task ASheetWithoutItsTestImagesSaysWhereTheyWereLookedFor()
    {
        var empty = Directory.CreateTempSubdirectory("gpudigits-serve-nodata-").FullName;
        try
        {
            await using var site = await TestSite.StartAsync(null, ServedRuns.Root, mnist: empty);
            using var response = await site.Client.GetAsync($"/api/runs/{ServedRuns.DefaultRun}/sheet.svg");
            var error = await RefusedWith(response, HttpStatusCode.NotFound);
            Assert.That(error, Does.StartWith($"the MNIST test images are not in {empty} "));
            Assert.That(error, Does.EndWith("'gpudigits train --dataset mnist' fetches them, or set GPUDIGITS_DATA to their folder"));
            Assert.That(Directory.EnumerateFileSystemEntries(empty), Is.Empty, "nothing was fetched");
        }
        finally { Directory.Delete(empty, recursive: true); }
    }

    [Test]
    public async Task WithoutAModelThePadNeedsARun()
    {
        await using var site = await TestSite.StartAsync(null, ServedRuns.Root);
        using var response = await site.Client.PostAsync("/api/predict", Content("application/json", Utf8(PixelsJson(784))));
        Assert.That(await RefusedWith(response, HttpStatusCode.NotFound), Does.Contain("started without --model; name a run's model with ?run=NAME"));
        using var named = await site.Client.PostAsync($"/api/predict?run={ServedRuns.DefaultRun}", Content("application/json", Utf8(PixelsJson(784))));
        Assert.That(named.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>
    /// A run's model file rewritten while the page classifies with it (a training writing model-best.gdm): every
    /// answer comes from a whole model, none from a classifier the reload disposed.
    /// </summary>
    [Test]
    public async Task AModelRewrittenWhileInUseIsReloadedSafely()
    {
        var root = Directory.CreateTempSubdirectory("gpudigits-serve-reload-").FullName;
        try
        {
            var run = Path.Combine(root, "changing");
            Directory.CreateDirectory(run);
            foreach (var file in Directory.GetFiles(ServedRuns.DefaultRunFolder)) File.Copy(file, Path.Combine(run, Path.GetFileName(file)));
            await using var site = await TestSite.StartAsync(null, root);
            var body = Utf8(PixelsJson(784, 0));
            var writer = Task.Run(async () =>
            {
                var sources = new[] { Path.Combine(ServedRuns.DefaultRunFolder, "model-best.gdm"), ServedRuns.DefaultModel };
                for (int i = 0; i < 40; i++)
                {
                    var temp = Path.Combine(run, ".model.tmp");
                    File.Copy(sources[i % 2], temp, overwrite: true);
                    File.SetLastWriteTimeUtc(temp, DateTime.UtcNow.AddSeconds(-i));
                    File.Move(temp, Path.Combine(run, "model.gdm"), overwrite: true); // atomic, as the trainer replaces it
                    await Task.Delay(2);
                }
            });
            var answers = await Task.WhenAll(Enumerable.Range(0, 300).Select(async _ =>
            {
                using var response = await site.Client.PostAsync("/api/predict?run=changing", Content("application/json", body));
                return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
            }));
            await writer;
            Assert.That(answers.Where(a => a.StatusCode != HttpStatusCode.OK && a.StatusCode != HttpStatusCode.TooManyRequests), Is.Empty);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    /// <summary>1,000 requests at once: each is served or refused with a 429, and the server answers after.</summary>
    [Test]
    public async Task ABurstOfAThousandRequestsIsServedOrRefusedAndTheServerStaysUp()
    {
        var body = Utf8(PixelsJson(784, 0));
        var responses = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            using var response = i % 2 == 0
                ? await Client.PostAsync("/api/predict", Content("application/json", body))
                : await Client.GetAsync("/api/runs");
            return (response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }));
        Assert.That(responses.Select(r => r.StatusCode), Is.All.AnyOf(HttpStatusCode.OK, HttpStatusCode.TooManyRequests));
        Assert.That(responses.Count(r => r.StatusCode == HttpStatusCode.OK), Is.GreaterThan(DigitServer.ConcurrentRequests));
        foreach (var refused in responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).Take(3))
            Assert.That(refused.Text, Does.Contain("the server is busy"));
        using var after = await Client.GetAsync("/api/info");
        Assert.That(after.StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    /// <summary>The hostile requests above, again, with the runs folder and the current folder watched: nothing is written.</summary>
    [Test]
    public async Task HostileRequestsWriteNothing()
    {
        var runsBefore = ServedRuns.Snapshot(ServedRuns.Root);
        var cwdBefore = ServedRuns.Snapshot(Environment.CurrentDirectory);
        foreach (var data in BadBodies())
            await BadBody((string)data.Arguments[0]!, (byte[])data.Arguments[1]!, (HttpStatusCode)data.Arguments[2]!, (string)data.Arguments[3]!);
        await APngBombIsRefusedFromItsHeader();
        await AHundredMegabyteBodyIsRefused(declared: false);
        await ARunNameOutsideTheRunsFolderIsNotFound("../..");
        await TheRunsAreListedWithTheirEpochsCurvesAndSheet();
        Assert.That(ServedRuns.Snapshot(ServedRuns.Root), Is.EqualTo(runsBefore));
        Assert.That(ServedRuns.Snapshot(Environment.CurrentDirectory), Is.EqualTo(cwdBefore));
    }

    /// <summary>A stream of zeros of a given length that counts what was read from it.</summary>
    private sealed class ZeroStream(long length) : Stream
    {
        private long _position;
        public long BytesRead => _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            int n = (int)Math.Min(count, length - _position);
            Array.Clear(buffer, offset, n);
            _position += n;
            return n;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
