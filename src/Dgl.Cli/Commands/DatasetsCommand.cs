using System.CommandLine;
using Dgl.Cli.Data;
using Dgl.Cli.Training;
using Dgl.Data;

namespace Dgl.Cli.Commands;

/// <summary><c>dgl datasets</c> (list), <c>dgl datasets info NAME</c>, <c>dgl datasets download NAME</c>.</summary>
internal static class DatasetsCommand
{
    public static Command Create(CliConsole io)
    {
        var cmd = new Command("datasets", "List the built-in data sets: name, tasks, size, where they are cached and whether they are present.");
        cmd.SetAction(_ =>
        {
            var cache = new DownloadCache();
            io.Out.WriteLine($"{"name",-15} {"tasks",-10} {"present",-9} {"size",-52} cached in");
            foreach (var e in DatasetCatalog.All)
            {
                var (folder, present) = DatasetCatalog.CacheStatus(e, cache);
                io.Out.WriteLine($"{e.Name,-15} {string.Join(",", e.Tasks.Select(DataLoading.Name)),-10} {(e.Synthetic ? "generated" : present ? "yes" : "no"),-9} {e.Size,-52} {folder ?? "(in memory)"}");
            }
            io.Out.WriteLine($"cache: {cache.Root} (set DGL_DOWNLOAD_DIR to move it); dgl datasets info NAME for details");
            return 0;
        });

        var name = new Argument<string>("name") { Description = "the data set" };
        var info = new Command("info", "Describe a built-in data set (and its statistics when it is available locally).");
        info.Arguments.Add(name);
        var dataDir = new Option<string>("--data-dir") { Description = "the folder holding the raw files (default: the download cache)" };
        info.Options.Add(dataDir);
        info.SetAction(p =>
        {
            var e = DatasetCatalog.Get(p.GetValue(name)!);
            var cache = new DownloadCache();
            var (folder, present) = DatasetCatalog.CacheStatus(e, cache);
            io.Out.WriteLine($"{e.Name}: {e.Description}");
            io.Out.WriteLine($"tasks: {string.Join(", ", e.Tasks.Select(DataLoading.Name))}");
            io.Out.WriteLine($"size: {e.Size}");
            io.Out.WriteLine(e.Synthetic ? "source: generated in memory (no files)" : $"cache folder: {folder} ({(present ? "present" : "not downloaded")})");
            var dir = p.GetValue(dataDir);
            if (e.Synthetic || present || dir is not null)
            {
                var raw = dir is not null && !e.Synthetic ? DatasetCatalog.ResolveRawDir(e, dir) : null;
                var source = DataLoading.Guard(() => e.Load(raw, cache));
                foreach (var line in InfoCommand.Describe(source)) io.Out.WriteLine(line);
            }
            return 0;
        });
        cmd.Subcommands.Add(info);

        var dlName = new Argument<string>("name") { Description = "the data set" };
        var download = new Command("download", "Download a built-in data set into the cache (DGL_DOWNLOAD_DIR or ~/.dgl) and process it.");
        download.Arguments.Add(dlName);
        download.SetAction(p =>
        {
            var e = DatasetCatalog.Get(p.GetValue(dlName)!);
            if (e.Synthetic)
            {
                io.Out.WriteLine($"{e.Name} is generated in memory; nothing to download");
                return 0;
            }
            var cache = new DownloadCache();
            var last = DateTime.MinValue;
            cache.Progress = new SyncProgress<DownloadProgress>(pr =>
            {
                if ((DateTime.UtcNow - last).TotalSeconds < 0.5) return;
                last = DateTime.UtcNow;
                io.Out.WriteLine($"  {pr.Url}: {pr.BytesReceived / 1048576.0:F1} MiB{(pr.TotalBytes is { } t ? $" of {t / 1048576.0:F1} MiB" : "")}");
            });
            DataLoading.Guard(() => e.Load(null, cache));
            io.Out.WriteLine($"{e.Name}: ready in {DatasetCatalog.CacheStatus(e, cache).Folder}");
            return 0;
        });
        cmd.Subcommands.Add(download);
        return cmd;
    }

    /// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (no synchronisation context needed).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
