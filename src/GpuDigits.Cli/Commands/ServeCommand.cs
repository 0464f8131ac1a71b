using System.CommandLine;
using System.Net.Sockets;
using GpuDigits.Model.Runs;
using GpuDigits.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace GpuDigits.Cli.Commands;

/// <summary>
/// <c>gpudigits serve</c>: the local page (draw a digit and see what the model says; drop a picture; watch the runs
/// under --runs learn) and its JSON API, on 127.0.0.1 unless --host says otherwise, until Ctrl-C. See
/// <see cref="DigitServer"/>.
/// </summary>
public static class ServeCommand
{
    private static readonly Option<string> ModelOpt = new Option<string>("--model", "-m")
    {
        Description = "The model to draw with: a model file, or a run folder (its model.gdm, else its model-best.gdm). Without it, the page draws with a run's model.",
    }.NotEmptyPath();
    private static readonly Option<string> Runs = new Option<string>("--runs")
    {
        Description = "Folder of run folders whose curves the page shows, live while they train (default: ./runs when it exists).",
    }.NotEmptyPath();
    private static readonly Option<int> Port = new("--port", "-p")
    {
        Description = "TCP port (0: any free one, printed at start).",
        DefaultValueFactory = _ => ServeSettings.DefaultPort,
    };
    private static readonly Option<string> Host = new("--host")
    {
        Description = $"Address to listen on: {ServeSettings.DefaultHost} (only this machine), an IP address, localhost, or * (every interface: anyone who can reach this machine can use the page).",
        DefaultValueFactory = _ => ServeSettings.DefaultHost,
    };
    private static readonly Option<string> Data = new Option<string>("--data")
    {
        Description = "The folder of a data set of one's own, for its models' predictions sheets (MNIST's and Fashion-MNIST's test images are read from where 'gpudigits train' keeps them: $GPUDIGITS_DATA or the user cache). Nothing is fetched.",
    }.NotEmptyPath();

    public const string DefaultRuns = "runs";

    public static Command Create()
    {
        var command = new Command("serve", "Serve a local page to draw a digit on and see the model's answer, and to watch runs learn.")
        {
            ModelOpt, Runs, Port, Host, CommonOptions.Device, Data,
        };
        command.SetAction((parse, ct) => RunAsync(parse, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CancellationToken cancellation)
    {
        var output = parse.InvocationConfiguration.Output;
        int port = parse.GetValue(Port);
        if (port is < 0 or > 65535) throw new UsageException($"--port must be 0..65535, got {port}.");
        string host = parse.GetValue(Host)!;
        if (DigitServer.CheckHost(host) is { } why) throw new UsageException(why + ".");
        string? model = parse.GetValue(ModelOpt) is { } m ? ModelFile(Path.GetFullPath(m)) : null;
        string? runs = parse.GetValue(Runs) is { } r ? Path.GetFullPath(r) : Directory.Exists(DefaultRuns) ? Path.GetFullPath(DefaultRuns) : null;
        if (model is null && runs is null)
            throw new UsageException("serve needs --model FILE|RUN_DIR (a model to draw with), --runs DIR (run folders to show), or both.");
        if (runs is not null && !Directory.Exists(runs)) throw new DirectoryNotFoundException($"The runs folder '{runs}' does not exist.");
        if (model is not null) ModelOptions.Load(model); // one clear line for a missing or bad model, before the device opens
        string? ownData = parse.GetValue(Data) is { } d ? Path.GetFullPath(d) : null;

        var catalog = EnvironmentSettings.Catalog();
        var device = catalog.Resolve(parse.GetValue(CommonOptions.Device)!);
        using var accelerator = catalog.Open(device.Id);
        using var models = new ModelStore(accelerator, model);
        var settings = new ServeSettings(host, port, runs, ownData, EnvironmentSettings.DataDirectory);
        await using var app = DigitServer.Build(settings, models);
        try
        {
            await app.StartAsync(cancellation);
        }
        catch (IOException e) when (e.InnerException is SocketException or Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            throw new IOException($"Cannot listen on {host} port {port}: {e.InnerException?.Message ?? e.Message}. Give another --port (0 picks a free one).", e);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        output.WriteLine($"Serving {address.Replace("[::]", "localhost").TrimEnd('/')}/ on {accelerator.Info.Id}" +
            (model is null ? "" : $", model {model}") + (runs is null ? "" : $", runs in {runs}") + ". Ctrl-C stops.");
        if (!settings.Loopback) output.WriteLine($"Listening on {host}: anyone who can reach this machine can use the page.");
        await app.WaitForShutdownAsync(cancellation);
        output.WriteLine("Stopped.");
        return ExitCodes.Success;
    }

    /// <summary>A model file as given, or the model of a run folder (model.gdm, else model-best.gdm).</summary>
    private static string ModelFile(string path)
    {
        if (!Directory.Exists(path)) return path;
        return RunCatalog.ModelOf(path)
            ?? throw new UsageException($"--model names the folder '{path}', which holds neither {RunModels.FinalName} nor {RunModels.BestName}.");
    }
}
