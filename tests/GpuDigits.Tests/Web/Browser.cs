using NUnit.Framework;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace GpuDigits.Tests.Web;

/// <summary>
/// Debian's chromium, headless, driven by its chromium-driver through Selenium. Where the two are not installed the
/// browser tests are ignored with the reason (like the device tests), or fail when <see cref="RequireVariable"/> is 1
/// (CI installs both).
/// </summary>
internal static class Browser
{
    public const string RequireVariable = "GPUDIGITS_REQUIRE_BROWSER";
    public const string ChromiumVariable = "GPUDIGITS_CHROMIUM";
    public const string DriverVariable = "GPUDIGITS_CHROMEDRIVER";

    private static string Path(string variable, string standard) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } given ? given : standard;

    /// <summary>A headless browser with a window of <paramref name="width"/> x <paramref name="height"/> CSS pixels.</summary>
    public static ChromeDriver Open(string profile, int width = 1280, int height = 1500)
    {
        string chromium = Path(ChromiumVariable, "/usr/bin/chromium"), driver = Path(DriverVariable, "/usr/bin/chromedriver");
        var missing = new[] { chromium, driver }.Where(p => !File.Exists(p)).ToList();
        if (missing.Count > 0)
        {
            string why = $"{string.Join(" and ", missing)} not found (apt-get install chromium chromium-driver, or set {ChromiumVariable} and {DriverVariable})";
            if (Environment.GetEnvironmentVariable(RequireVariable) == "1") Assert.Fail($"A browser is required here ({RequireVariable}=1): {why}");
            Assert.Ignore($"Browser tests not run: {why}");
        }
        // Both paths are given, so Selenium does not look for (or download) a driver of its own.
        var service = ChromeDriverService.CreateDefaultService(System.IO.Path.GetDirectoryName(driver)!, System.IO.Path.GetFileName(driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-background-networking", "--disable-sync", "--hide-scrollbars",
            $"--window-size={width},{height}", $"--user-data-dir={profile}");
        var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        browser.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromSeconds(30);
        return browser;
    }

    /// <summary>Polls <paramref name="read"/> until <paramref name="done"/> holds; fails with what was last read.</summary>
    public static T WaitFor<T>(Func<T> read, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        T value = read();
        while (!done(value))
        {
            if (clock.Elapsed > timeout) Assert.Fail($"Timed out after {timeout.TotalSeconds:F0} s waiting for {what}; last seen: {value}");
            Thread.Sleep(50);
            try { value = read(); }
            catch (StaleElementReferenceException) { }
        }
        return value;
    }
}
