using System.Text;
using GpuDigits.Engine.Cuda;
using NUnit.Framework;

namespace GpuDigits.Tests.Cuda;

/// <summary>The on-disk PTX cache: keys, file names, atomic writes, and that a bad cache never breaks compiling.</summary>
[TestFixture]
public class PtxCacheTests
{
    private const string Ptx = "//\n// Generated for a test\n//\n.version 8.4\n.target sm_89\n.address_size 64\n.visible .entry k(\n)\n{\n\tret;\n}\n";
    private static readonly string[] Options = ["--gpu-architecture=compute_89", "-DGD_GEMM_TILE_M=64"];
    private string _folder = null!;

    [SetUp]
    public void CreateFolder() => _folder = Path.Combine(Path.GetTempPath(), $"gpudigits-ptxcache-{Guid.NewGuid():N}");

    [TearDown]
    public void DeleteFolder()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public void TheKeyCoversSourceOptionsTheirOrderAndTheNvrtcVersion()
    {
        string key = PtxCache.Key("source", Options, "12.4");
        Assert.That(key, Has.Length.EqualTo(64).And.Match("^[0-9a-f]+$"));
        Assert.That(PtxCache.Key("source", Options, "12.4"), Is.EqualTo(key), "deterministic");
        Assert.That(PtxCache.Key("source ", Options, "12.4"), Is.Not.EqualTo(key));
        Assert.That(PtxCache.Key("source", Options, "12.5"), Is.Not.EqualTo(key));
        Assert.That(PtxCache.Key("source", ["--gpu-architecture=compute_86", "-DGD_GEMM_TILE_M=64"], "12.4"), Is.Not.EqualTo(key));
        Assert.That(PtxCache.Key("source", [Options[1], Options[0]], "12.4"), Is.Not.EqualTo(key));
        // Option boundaries count: one option "a b" is not two options "a", "b".
        Assert.That(PtxCache.Key("s", ["-DA=1 -DB=2"], "12.4"), Is.Not.EqualTo(PtxCache.Key("s", ["-DA=1", "-DB=2"], "12.4")));
    }

    [Test]
    public void FileNamesSayKernelArchitectureAndNvrtcVersion()
    {
        string key = PtxCache.Key("source", Options, "12.4");
        Assert.That(PtxCache.FileName("gemm.cl", Options, "12.4", key), Is.EqualTo($"gemm-compute_89-nvrtc12.4-{key[..16]}.ptx"));
    }

    [Test]
    public void ACompileIsStoredOnceAndThenServedFromDisk()
    {
        var cache = new PtxCache(_folder);
        int compiles = 0;
        byte[] Compile()
        {
            compiles++;
            return Bytes(Ptx);
        }
        var first = cache.GetOrCompile("gemm.cl", "source", Options, "12.4", Compile);
        var again = new PtxCache(_folder).GetOrCompile("gemm.cl", "source", Options, "12.4", Compile);
        Assert.That(compiles, Is.EqualTo(1));
        Assert.That(again, Is.EqualTo(first));
        Assert.That(Directory.GetFiles(_folder), Has.Length.EqualTo(1), "no temporary file left behind");
        Assert.That(File.ReadAllText(Directory.GetFiles(_folder)[0]), Is.EqualTo(Ptx));

        cache.GetOrCompile("gemm.cl", "other source", Options, "12.4", Compile);
        Assert.That(compiles, Is.EqualTo(2), "another source is another entry");
        Assert.That(Directory.GetFiles(_folder), Has.Length.EqualTo(2));
    }

    [TestCase("")]
    [TestCase("//\n// Generated\n.version 8.4\n.tar")] // torn
    [TestCase("not ptx at all, just some longer text")]
    public void AnUnusableCacheFileIsCompiledAgainAndReplaced(string content)
    {
        var path = Path.Combine(_folder, PtxCache.FileName("gather.cl", Options, "12.4", PtxCache.Key("src", Options, "12.4")));
        Directory.CreateDirectory(_folder);
        File.WriteAllText(path, content);
        var cache = new PtxCache(_folder);
        var ptx = cache.GetOrCompile("gather.cl", "src", Options, "12.4", () => Bytes(Ptx));
        Assert.That(Encoding.UTF8.GetString(ptx), Is.EqualTo(Ptx));
        Assert.That((cache.Hits, cache.Misses), Is.EqualTo((0, 1)));
        Assert.That(File.ReadAllText(path), Is.EqualTo(Ptx));
    }

    [Test]
    public void AnUnwritableCacheOnlyCostsACompile()
    {
        Directory.CreateDirectory(_folder);
        var blocker = Path.Combine(_folder, "a-file");
        File.WriteAllText(blocker, "x");
        var cache = new PtxCache(Path.Combine(blocker, "ptx")); // a folder inside a file cannot exist
        int compiles = 0;
        for (int i = 0; i < 2; i++)
            Assert.That(cache.GetOrCompile("k.cl", "s", Options, "12.4", () => { compiles++; return Bytes(Ptx); }), Is.EqualTo(Bytes(Ptx)));
        Assert.That(compiles, Is.EqualTo(2));
    }

    [Test]
    public void WithoutAFolderEveryCallCompiles()
    {
        var cache = new PtxCache(null);
        int compiles = 0;
        cache.GetOrCompile("k.cl", "s", Options, "12.4", () => { compiles++; return Bytes(Ptx); });
        cache.GetOrCompile("k.cl", "s", Options, "12.4", () => { compiles++; return Bytes(Ptx); });
        Assert.That(compiles, Is.EqualTo(2));
    }

    [Test]
    public void ACompileErrorStoresNothing()
    {
        var cache = new PtxCache(_folder);
        Assert.Throws<InvalidOperationException>(() =>
            cache.GetOrCompile("k.cl", "s", Options, "12.4", () => throw new InvalidOperationException("does not compile")));
        Assert.That(Directory.Exists(_folder) ? Directory.GetFiles(_folder) : [], Is.Empty);
    }

    [Test]
    public void ConcurrentWritersLeaveOneWholeFile()
    {
        var path = Path.Combine(_folder, "same.ptx");
        var contents = Enumerable.Range(0, 8).Select(i => Bytes(Ptx + new string((char)('a' + i), 200_000))).ToArray();
        Parallel.For(0, 32, i => PtxCache.WriteAtomically(path, contents[i % contents.Length]));
        var final = File.ReadAllBytes(path);
        Assert.That(contents.Any(c => c.AsSpan().SequenceEqual(final)), Is.True, "the file is exactly one writer's bytes");
        Assert.That(Directory.GetFiles(_folder), Is.EqualTo(new[] { path }), "no temporary files");
    }

    [Test]
    public void TheFolderComesFromTheEnvironmentAndOffDisablesIt()
    {
        var saved = Environment.GetEnvironmentVariable(PtxCache.FolderVariable);
        try
        {
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, _folder);
            Assert.That(PtxCache.Default().Folder, Is.EqualTo(Path.GetFullPath(_folder)));
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, "off");
            Assert.That(PtxCache.Default().Folder, Is.Null);
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, null);
            Assert.That(PtxCache.Default().Folder, Does.EndWith(Path.Combine("gpudigits", "ptx")));
        }
        finally
        {
            Environment.SetEnvironmentVariable(PtxCache.FolderVariable, saved);
        }
    }
}
