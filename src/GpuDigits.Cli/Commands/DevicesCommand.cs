using System.CommandLine;
using GpuDigits.Engine;
using Spectre.Console;

namespace GpuDigits.Cli.Commands;

/// <summary><c>gpudigits devices</c>: every accelerator found, and why a backend found none.</summary>
public static class DevicesCommand
{
    public static Command Create()
    {
        var command = new Command("devices", "List the accelerators found on this machine (the CPU is always there).");
        command.SetAction(parse =>
        {
            var catalog = EnvironmentSettings.Catalog();
            var console = Presentation.ConsoleFactory.For(parse.InvocationConfiguration.Output);
            var auto = catalog.Resolve("auto");
            var table = new Table().AddColumns("device", "name", "memory", "units", "details");
            foreach (var d in catalog.Devices)
                table.AddRow(Markup.Escape(d.Id + (d == auto ? " (auto)" : "")), Markup.Escape(d.Name),
                    $"{d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB", d.ComputeUnits.ToString(), Markup.Escape(d.Details));
            console.Write(table);
            foreach (var p in catalog.Providers)
            {
                if (p.UnavailableReason is { } reason)
                    console.MarkupLine($"[grey]{p.Kind.DisplayName()}: {Markup.Escape(reason)}[/]");
                else
                    foreach (var unusable in p.UnusableDevices)
                        console.MarkupLine($"[grey]{p.Kind.DisplayName()}: not usable: {Markup.Escape(unusable)}[/]");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
