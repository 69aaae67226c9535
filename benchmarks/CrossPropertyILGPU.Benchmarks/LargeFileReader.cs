using System.Diagnostics;
using System.Globalization;
using System.Text;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Benchmarks;

/// <summary>
/// Memory of reading and featurising a large data file (<c>large-file --rows N</c>): writes an
/// N-row CSV of random 2–4-element formulas to a temporary folder, then reads and featurises it as
/// every verb does (<see cref="MaterialsCsv"/>, <see cref="Featurizer"/>), and prints the file size,
/// the feature matrix's size, the bytes allocated and the peak working set above the baseline
/// while reading (sampled every 5 ms). The reader streams the text, so the peak follows the
/// feature matrix and the per-row records (line, formula, target), not the text.
/// </summary>
internal static class LargeFileReader
{
    public static void Run(string[] args)
    {
        var i = Array.IndexOf(args, "--rows");
        var rows = i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 1_000_000;
        var folder = Directory.CreateTempSubdirectory("cpilgpu-large-file-");
        try
        {
            var path = Path.Combine(folder.FullName, "large.csv");
            Generate(path, rows);
            var fileBytes = new FileInfo(path).Length;

            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var baseline = process.WorkingSet64;
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var peak = baseline;
            using var stop = new CancellationTokenSource();
            var sampler = Task.Run(() =>
            {
                using var self = Process.GetCurrentProcess();
                while (!stop.IsCancellationRequested)
                {
                    self.Refresh();
                    peak = Math.Max(peak, self.WorkingSet64);
                    Thread.Sleep(5);
                }
            });

            var clock = Stopwatch.StartNew();
            var table = MaterialsCsv.Read(path);
            var readSeconds = clock.Elapsed.TotalSeconds;
            var data = Featurizer.ElementalFractions(table);
            var totalSeconds = clock.Elapsed.TotalSeconds;
            stop.Cancel();
            sampler.Wait();
            process.Refresh();
            peak = Math.Max(peak, process.WorkingSet64);
            var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
            var matrixBytes = (long)data.Features.Length * sizeof(float);

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rows                 {data.Count,14:N0} ({data.Skipped.Count} skipped)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"file                 {Mib(fileBytes),14} MiB"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"feature matrix       {Mib(matrixBytes),14} MiB ({data.Width} floats a row)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated            {Mib(allocated),14} MiB ({allocated / (double)matrixBytes:F2}× the matrix)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"peak working set     {Mib(peak - baseline),14} MiB above the {Mib(baseline)} MiB baseline ({(peak - baseline) / (double)matrixBytes:F2}× the matrix, {(peak - baseline) / (double)fileBytes:F2}× the file)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"time                 {totalSeconds,14:F1} s (read {readSeconds:F1} s, featurise {totalSeconds - readSeconds:F1} s)"));
            GC.KeepAlive(data);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture);

    // Formulas like Fe2O3, NaCl0.5Br0.5, Li3Mn2Co4O12 from ElemNet's 86 elements, target in [−4, 1).
    private static void Generate(string path, int rows)
    {
        var random = new Random(1);
        var elements = ElementTable.ElemNetElements;
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), bufferSize: 1 << 16);
        writer.Write("formula,target\n");
        var line = new StringBuilder();
        for (var r = 0; r < rows; r++)
        {
            line.Clear();
            var count = random.Next(2, 5);
            for (var e = 0; e < count; e++)
            {
                line.Append(elements[random.Next(elements.Count)]);
                var amount = random.Next(1, 13);
                if (amount > 1)
                {
                    line.Append(amount.ToString(CultureInfo.InvariantCulture));
                }
            }
            line.Append(',').Append((random.NextDouble() * 5 - 4).ToString("F4", CultureInfo.InvariantCulture)).Append('\n');
            writer.Write(line);
        }
    }
}
