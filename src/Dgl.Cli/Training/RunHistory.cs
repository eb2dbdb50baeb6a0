using System.Text.Json;
using Dgl.Cli.Output;

namespace Dgl.Cli.Training;

/// <summary>One epoch of a run, as recorded in <c>metrics.json</c>.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="Train">The main metric on the training split.</param>
/// <param name="Val">The main metric on the validation split.</param>
/// <param name="Lr">The learning rate used.</param>
/// <param name="Seconds">Wall time of the epoch (training and evaluation).</param>
internal sealed record EpochRecord(int Epoch, double Loss, double Train, double Val, double Lr, double Seconds);

/// <summary>Everything <c>metrics.json</c> holds: the per-epoch records, the best epoch and the final test metrics.</summary>
internal sealed class RunHistory
{
    public required string Task { get; init; }
    public required string Dataset { get; init; }
    public required string Model { get; init; }
    public required string Metric { get; init; }
    public List<EpochRecord> Epochs { get; } = [];
    public int BestEpoch { get; set; }
    public double BestVal { get; set; } = double.NaN;
    public Dictionary<string, double> Test { get; } = new(StringComparer.Ordinal);
    public string Status { get; set; } = "running";
    public double TotalSeconds { get; set; }

    /// <summary>Writes the history as JSON (atomically).</summary>
    public void Save(string path) => AtomicFile.Write(path, s =>
    {
        using var w = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("task", Task);
        w.WriteString("dataset", Dataset);
        w.WriteString("model", Model);
        w.WriteString("metric", Metric);
        w.WriteString("status", Status);
        w.WriteNumber("best_epoch", BestEpoch);
        Num(w, "best_val", BestVal);
        Num(w, "total_seconds", TotalSeconds);
        w.WriteStartObject("test");
        foreach (var (k, v) in Test) Num(w, k, v);
        w.WriteEndObject();
        w.WriteStartArray("epochs");
        foreach (var e in Epochs)
        {
            w.WriteStartObject();
            w.WriteNumber("epoch", e.Epoch);
            Num(w, "loss", e.Loss);
            Num(w, "train_" + Metric, e.Train);
            Num(w, "val_" + Metric, e.Val);
            Num(w, "lr", e.Lr);
            Num(w, "time_s", e.Seconds);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void Num(Utf8JsonWriter w, string name, double v)
    {
        if (double.IsFinite(v)) w.WriteNumber(name, v);
        else w.WriteNull(name);
    }

    /// <summary>Reads a history written by <see cref="Save"/>.</summary>
    public static RunHistory Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var r = doc.RootElement;
        var metric = r.GetProperty("metric").GetString()!;
        var h = new RunHistory
        {
            Task = r.GetProperty("task").GetString()!, Dataset = r.GetProperty("dataset").GetString()!,
            Model = r.GetProperty("model").GetString()!, Metric = metric,
        };
        h.Status = r.GetProperty("status").GetString()!;
        h.BestEpoch = r.GetProperty("best_epoch").GetInt32();
        h.BestVal = D(r.GetProperty("best_val"));
        h.TotalSeconds = D(r.GetProperty("total_seconds"));
        foreach (var p in r.GetProperty("test").EnumerateObject()) h.Test[p.Name] = D(p.Value);
        foreach (var e in r.GetProperty("epochs").EnumerateArray())
        {
            h.Epochs.Add(new EpochRecord(e.GetProperty("epoch").GetInt32(), D(e.GetProperty("loss")), D(e.GetProperty("train_" + metric)),
                D(e.GetProperty("val_" + metric)), D(e.GetProperty("lr")), D(e.GetProperty("time_s"))));
        }
        return h;
    }

    private static double D(JsonElement e) => e.ValueKind == JsonValueKind.Null ? double.NaN : e.GetDouble();
}
