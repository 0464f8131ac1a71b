using GpuDigits.Tests.Cli;
using NUnit.Framework;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Interactions;

namespace GpuDigits.Tests.Web;

/// <summary>
/// The page of <c>gpudigits serve --model</c> (a default run) in a real browser, against the CLI's own server on a real
/// port: digits drawn by pointer strokes are named, a picture chosen or dropped is classified, a run's curve shows its
/// points, and a run training meanwhile shows new epochs without a reload. The page's screenshot is written to
/// $GPUDIGITS_SCREENSHOT_DIR when set (tools/readme-images.sh puts it into docs/images for the README).
/// </summary>
[NonParallelizable]
public sealed class BrowserTests
{
    public const string ScreenshotVariable = "GPUDIGITS_SCREENSHOT_DIR";
    public const string ScreenshotName = "serve-page.png";


    private string _root = null!;
    private CliProcess _server = null!;
    private ChromeDriver _browser = null!;
    private string _address = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _root = Directory.CreateTempSubdirectory("gpudigits-browser-").FullName;
        var runs = Path.Combine(_root, "runs");
        var run = Path.Combine(runs, ServedRuns.DefaultRun);
        Directory.CreateDirectory(run);
        foreach (var file in Directory.GetFiles(ServedRuns.DefaultRunFolder)) File.Copy(file, Path.Combine(run, Path.GetFileName(file)));
        _browser = Browser.Open(Path.Combine(_root, "profile")); // ignored (or failed) here when there is no browser
        _server = CliProcess.Start(["serve", "--model", run, "--runs", runs, "--port", "0", "--device", "cpu"]);
        _server.WaitUntil(() => _server.Out.Contains("Ctrl-C stops."), TimeSpan.FromSeconds(60), "serve to print its address");
        _address = System.Text.RegularExpressions.Regex.Match(_server.Out, @"Serving (http://127\.0\.0\.1:\d+)/").Groups[1].Value;
        Assert.That(_address, Is.Not.Empty, _server.Out);
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _browser?.Quit();
        _server?.Dispose();
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { }
    }

    [SetUp]
    public void OpenPage()
    {
        _browser.Navigate().GoToUrl(_address + "/");
        Browser.WaitFor(() => _browser.FindElement(By.Id("server")).Text, t => t.Contains("device cpu"), TimeSpan.FromSeconds(20), "the page to reach the server");
    }

    private IWebElement Pad => _browser.FindElement(By.Id("pad"));

    private string TopClass => _browser.FindElement(By.Id("top")).GetAttribute("data-class") ?? "";

    /// <summary>Waits until the page has shown the answer to its last request (the answer area is no longer aria-busy) and it names <paramref name="expected"/>.</summary>
    private void WaitForAnswer(string expected, string what) =>
        Browser.WaitFor(() => (Busy: _browser.FindElement(By.Id("answer")).GetAttribute("aria-busy"), Top: TopClass),
            v => v.Busy == "false" && v.Top == expected, TimeSpan.FromSeconds(15), what);

    /// <summary>
    /// One stroke through <paramref name="points"/> (0..1 across the pad) by a mouse, a finger or a pen (W3C pointer
    /// actions: down, a move every few pixels, up).
    /// </summary>
    private void Stroke(IReadOnlyList<(double U, double V)> points, PointerKind kind = PointerKind.Mouse)
    {
        var pad = Pad;
        int side = pad.Size.Width;
        (int X, int Y) At((double U, double V) p) => ((int)Math.Round((p.U - 0.5) * side), (int)Math.Round((p.V - 0.5) * side));
        var pointer = new PointerInputDevice(kind, kind.ToString().ToLowerInvariant());
        var actions = new ActionSequence(pointer, 0);
        var step = TimeSpan.FromMilliseconds(5);
        var (x0, y0) = At(points[0]);
        actions.AddAction(pointer.CreatePointerMove(pad, x0, y0, step));
        actions.AddAction(kind == PointerKind.Pen
            ? pointer.CreatePointerDown(MouseButton.Left, new PointerInputDevice.PointerEventProperties { Pressure = 0.6 })
            : pointer.CreatePointerDown(MouseButton.Left));
        for (int i = 1; i < points.Count; i++)
        {
            var (a, b) = (points[i - 1], points[i]);
            int steps = Math.Max(1, (int)(Math.Sqrt(Math.Pow(b.U - a.U, 2) + Math.Pow(b.V - a.V, 2)) * side / 8));
            for (int s = 1; s <= steps; s++)
            {
                var (x, y) = At((a.U + (b.U - a.U) * s / steps, a.V + (b.V - a.V) * s / steps));
                actions.AddAction(pointer.CreatePointerMove(pad, x, y, step));
            }
        }
        actions.AddAction(pointer.CreatePointerUp(MouseButton.Left));
        _browser.PerformActions([actions]);
    }

    private static List<(double, double)> Arc(double cu, double cv, double ru, double rv, double fromDegrees, double toDegrees)
    {
        var points = new List<(double, double)>();
        int steps = (int)Math.Ceiling(Math.Abs(toDegrees - fromDegrees) / 10);
        for (int i = 0; i <= steps; i++)
        {
            double t = (fromDegrees + (toDegrees - fromDegrees) * i / steps) * Math.PI / 180;
            points.Add((cu + ru * Math.Cos(t), cv + rv * Math.Sin(t)));
        }
        return points;
    }

    /// <summary>Digits as a person draws them on the pad: a seven in one stroke, a three as two bowls, a zero as a ring.</summary>
    public static IEnumerable<TestCaseData> Digits()
    {
        yield return new TestCaseData(7, new[] { SevenStroke }).SetName("DrawnDigitIsNamed(7)");
        yield return new TestCaseData(3, new[] { Arc(0.5, 0.34, 0.16, 0.14, -160, 90).Concat(Arc(0.5, 0.64, 0.18, 0.16, -90, 160)).ToList() }).SetName("DrawnDigitIsNamed(3)");
        yield return new TestCaseData(0, new[] { Arc(0.5, 0.5, 0.19, 0.31, -90, 275) }).SetName("DrawnDigitIsNamed(0)");
    }

    [TestCaseSource(nameof(Digits))]
    public void DrawnDigitIsNamed(int digit, List<(double, double)>[] strokes)
    {
        _browser.FindElement(By.Id("clear")).Click();
        Assert.That(TopClass, Is.Empty);
        foreach (var stroke in strokes) Stroke(stroke);
        // The answer after the last point: the page asks again while a request is out, so it settles on the whole drawing.
        WaitForAnswer(digit.ToString(), $"the page to name the drawn {digit}");
        Assert.That(_browser.FindElements(By.CssSelector("#bars .bar")), Has.Count.EqualTo(10));
        Assert.That(_browser.FindElement(By.CssSelector("#bars .bar.best")).GetAttribute("data-class"), Is.EqualTo(digit.ToString()));
        Assert.That(_browser.FindElement(By.Id("top")).Text, Is.EqualTo(digit.ToString()));
        var inked = Convert.ToInt64(_browser.ExecuteScript(
            "const d = document.getElementById('seen').getContext('2d').getImageData(0, 0, 28, 28).data; let n = 0; for (let i = 0; i < d.length; i += 4) if (d[i] > 0) n++; return n;"));
        Assert.That(inked, Is.InRange(20L, 400L), "the 28 x 28 picture the model saw is shown");
    }

    private static readonly List<(double, double)> SevenStroke = [(0.27, 0.2), (0.73, 0.2), (0.45, 0.82)];

    [TestCase(PointerKind.Touch)]
    [TestCase(PointerKind.Pen)]
    public void AFingerOrAPenDrawsToo(PointerKind kind)
    {
        _browser.ExecuteScript("window.kinds = []; document.getElementById('pad').addEventListener('pointerdown', e => kinds.push(e.pointerType));");
        _browser.FindElement(By.Id("clear")).Click();
        Stroke(SevenStroke, kind);
        WaitForAnswer("7", $"the 7 drawn by {kind} to be named");
        Assert.That(_browser.ExecuteScript("return window.kinds.join(',');"), Is.EqualTo(kind.ToString().ToLowerInvariant()));
    }

    [Test]
    public void UndoTakesBackTheLastStroke()
    {
        _browser.FindElement(By.Id("clear")).Click();
        Stroke([(0.5, 0.15), (0.5, 0.85)]);
        WaitForAnswer("1", "a stroke down to read as 1");
        Stroke([(0.3, 0.3), (0.7, 0.3)]);
        _browser.FindElement(By.Id("undo")).Click();
        WaitForAnswer("1", "undo to bring back the 1");
        _browser.FindElement(By.Id("undo")).Click();
        WaitForAnswer("", "undo of the last stroke to clear the answer");
    }

    [Test]
    public void AChosenPictureIsClassified()
    {
        _browser.FindElement(By.Id("file")).SendKeys(TestData.SevenPng);
        WaitForAnswer("7", "seven.png to be named 7");
        Assert.That(_browser.FindElement(By.Id("message")).Text, Does.StartWith("seven.png: "));
    }

    /// <summary>A drop of seven.png on the drop zone: the file is taken from a file input and dropped as a real DragEvent.</summary>
    [Test]
    public void ADroppedPictureIsClassified()
    {
        _browser.ExecuteScript("const i = document.createElement('input'); i.type = 'file'; i.id = 'carrier'; document.body.append(i);");
        _browser.FindElement(By.Id("carrier")).SendKeys(TestData.SevenPng);
        _browser.ExecuteScript(
            "const dt = new DataTransfer(); dt.items.add(document.getElementById('carrier').files[0]);" +
            "document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));");
        WaitForAnswer("7", "the dropped seven.png to be named 7");
    }

    private void OpenRun(string name)
    {
        var button = Browser.WaitFor(() => _browser.FindElements(By.CssSelector($"#runs button[data-run='{name}']")), b => b.Count == 1,
            TimeSpan.FromSeconds(30), $"run {name} in the list")[0];
        button.Click();
    }

    private int ChartEpochs => int.TryParse(_browser.FindElement(By.Id("chart")).GetAttribute("data-epochs"), out var n) ? n : 0;

    [Test]
    public void ARunsCurvesShowTheirPointsAndItsSheet()
    {
        OpenRun(ServedRuns.DefaultRun);
        Browser.WaitFor(() => ChartEpochs, n => n == 10, TimeSpan.FromSeconds(15), "the chart of the default run's 10 epochs");
        Assert.That(_browser.FindElements(By.CssSelector("#chart svg circle")), Has.Count.EqualTo(4 * 10), "train and test points of loss and accuracy");
        Assert.That(_browser.FindElement(By.Id("run-status")).Text, Does.StartWith("epoch 10 of 10 · test "));
        _browser.FindElement(By.Id("show-sheet")).Click();
        Browser.WaitFor(() => Convert.ToInt64(_browser.ExecuteScript("const s = document.getElementById('sheet'); return s.hidden ? 0 : s.naturalWidth;")),
            w => w > 0, TimeSpan.FromSeconds(30), "the predictions sheet to show");
    }

    [Test]
    public void ARunTrainingMeanwhileShowsNewEpochsWithoutAReload()
    {
        const int epochs = 15;
        _browser.ExecuteScript("window.probe = 'this page, not a reload';");
        var runs = Path.Combine(_root, "runs");
        using var train = CliProcess.Start(["train", "--device", "cpu", "--epochs", epochs.ToString(), "--data", TestData.MnistDirectory(),
            "--out", Path.Combine(runs, "live")]);
        OpenRun("live");
        var seen = new SortedSet<int>();
        bool sawTraining = false;
        Browser.WaitFor(() =>
        {
            seen.Add(ChartEpochs);
            sawTraining |= _browser.FindElement(By.Id("run-status")).Text.Contains("training");
            return ChartEpochs;
        }, n => n == epochs, TimeSpan.FromSeconds(120), $"the chart to reach epoch {epochs}");
        Assert.That(train.WaitForExit(TimeSpan.FromSeconds(60)), Is.Zero, train.Err);
        Assert.That(seen.Where(n => n is > 0 and < epochs), Is.Not.Empty, $"epochs seen while it trained: {string.Join(", ", seen)}");
        Assert.That(sawTraining, Is.True, "the run was shown as training");
        Assert.That(_browser.ExecuteScript("return window.probe;"), Is.EqualTo("this page, not a reload"));
        Browser.WaitFor(() => _browser.FindElement(By.Id("run-status")).Text, t => t == $"epoch {epochs} of {epochs} · test " + t.Split("test ")[^1] && !t.Contains("training"),
            TimeSpan.FromSeconds(10), "the finished run's status");
    }

    /// <summary>The README's picture: a drawn seven named, beside the default run's curves.</summary>
    [Test]
    public void Screenshot()
    {
        OpenRun(ServedRuns.DefaultRun);
        Browser.WaitFor(() => ChartEpochs, n => n == 10, TimeSpan.FromSeconds(15), "the default run's chart");
        _browser.FindElement(By.Id("clear")).Click();
        Stroke(SevenStroke);
        WaitForAnswer("7", "the drawn 7");
        var shot = _browser.GetScreenshot();
        var folder = Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } dir ? dir : TestContext.CurrentContext.WorkDirectory;
        var path = Path.Combine(folder, ScreenshotName);
        shot.SaveAsFile(path);
        TestContext.AddTestAttachment(path, "the serve page with a drawn 7");
        Assert.That(new FileInfo(path).Length, Is.GreaterThan(10_000));
    }
}
