using System.Globalization;
using System.Text.Json;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Transfer.Data;

namespace CrossPropertyILGPU.Transfer.Training;

/// <summary>One row of <c>metrics.csv</c>, in target units (norms in training units).</summary>
public sealed record MetricsRow(int Epoch, double TrainLoss, double ValidationMae, double LearningRate, double GradientNorm, double WeightNorm, double Seconds);

/// <summary>
/// A run folder and the one owner of every file in it: <c>config.json</c> (the resolved options),
/// <c>splits.json</c> (the rows of each split), <c>metrics.csv</c> (one line per epoch),
/// <c>checkpoint.safetensors</c> (to resume), <c>model.json</c> + <c>model.safetensors</c> (the model)
/// and <c>predictions_&lt;split&gt;.csv</c>; after a screening of several source models
/// (<see cref="SourceScreening"/>), <c>screening.json</c> (their scores and the choice) and the
/// <c>screening/&lt;n&gt;-&lt;source&gt;/</c> run folders they were scored in. Training, resume,
/// <c>reproduce</c>, <c>evaluate</c>, <c>predict</c> and <c>--config</c> read and write these files
/// only through this type.
/// </summary>
public sealed class RunFolder
{
    /// <summary>The resolved options of the run.</summary>
    public const string ConfigFileName = "config.json";

    /// <summary>The rows of each split.</summary>
    public const string SplitsFileName = "splits.json";

    /// <summary>One line per finished epoch.</summary>
    public const string MetricsFileName = "metrics.csv";

    /// <summary>The trainer's state after the last checkpointed epoch.</summary>
    public const string CheckpointFileName = "checkpoint.safetensors";

    /// <summary>The model's manifest.</summary>
    public const string ManifestFileName = "model.json";

    /// <summary>The model's weights.</summary>
    public const string WeightsFileName = "model.safetensors";

    /// <summary>The scores of a source screening and the source it chose.</summary>
    public const string ScreeningFileName = "screening.json";

    /// <summary>The folder of a screening's short runs, one run folder per source.</summary>
    public const string ScreeningFolderName = "screening";

    /// <summary>A folder that is, or will be, a run folder.</summary>
    public RunFolder(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
    }

    /// <summary>The folder.</summary>
    public string Path { get; }

    /// <summary><c>config.json</c>'s path.</summary>
    public string ConfigPath => Combine(ConfigFileName);

    /// <summary><c>splits.json</c>'s path.</summary>
    public string SplitsPath => Combine(SplitsFileName);

    /// <summary><c>metrics.csv</c>'s path.</summary>
    public string MetricsPath => Combine(MetricsFileName);

    /// <summary><c>checkpoint.safetensors</c>'s path.</summary>
    public string CheckpointPath => Combine(CheckpointFileName);

    /// <summary><c>model.json</c>'s path.</summary>
    public string ManifestPath => Combine(ManifestFileName);

    /// <summary><c>model.safetensors</c>'s path.</summary>
    public string WeightsPath => Combine(WeightsFileName);

    /// <summary><c>screening.json</c>'s path.</summary>
    public string ScreeningPath => Combine(ScreeningFileName);

    /// <summary>The <c>screening/</c> folder's path.</summary>
    public string ScreeningFolder => Combine(ScreeningFolderName);

    /// <summary>
    /// The run folder in which source number <paramref name="number"/> (1-based, in the order given)
    /// is screened: <c>screening/&lt;number&gt;-&lt;name&gt;</c>, the name being the source's folder name
    /// with anything but letters, digits, '.', '_' and '-' replaced.
    /// </summary>
    public RunFolder ScreeningRun(int number, string sourcePath)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        var manifest = System.IO.Path.GetFullPath(ResolveManifest(sourcePath));
        var name = System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(manifest)) is { Length: > 0 } folder ? folder : "source";
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-')]);
        return new RunFolder(System.IO.Path.Combine(ScreeningFolder, string.Create(CultureInfo.InvariantCulture, $"{number}-{safe}")));
    }

    /// <summary>The predictions file of split <paramref name="split"/> (train, validation, test).</summary>
    public string PredictionsPath(string split) => Combine($"predictions_{split}.csv");

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    // ---- the folder itself ------------------------------------------------------------------

    /// <summary>Refuses a path that is a file or a non-empty folder: nothing already written is ever overwritten.</summary>
    /// <exception cref="OptionException">On <c>OutputDirectory</c>.</exception>
    public static void CheckNew(string path)
    {
        if (File.Exists(path))
        {
            throw new OptionException(nameof(TrainRunOptions.OutputDirectory), path, "a file of that name exists.");
        }
        if (Directory.Exists(path) && HasContent(path))
        {
            // A run still at work in it is named as such, with its holder, rather than as "not empty".
            new RunFolder(path).ThrowIfHeld(nameof(TrainRunOptions.OutputDirectory));
            throw new OptionException(nameof(TrainRunOptions.OutputDirectory), path, "the folder exists and is not empty; choose a new run folder (nothing was overwritten).");
        }
    }

    /// <summary>Creates a new, empty run folder (see <see cref="CheckNew"/>).</summary>
    /// <exception cref="OptionException">On <c>OutputDirectory</c>: it exists and is not empty, or it cannot be created.</exception>
    public static RunFolder CreateNew(string path)
    {
        CheckNew(path);
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException or NotSupportedException)
        {
            throw new OptionException(nameof(TrainRunOptions.OutputDirectory), path, $"cannot be created there ({CsvOutput.CannotCreateReason(e)}).", e);
        }
        return new RunFolder(path);
    }

    /// <summary>
    /// Creates a new run folder and takes its lock (see <see cref="Lock"/>): of two runs started into
    /// one folder at once, exactly one proceeds; the other gets an <see cref="OptionException"/>
    /// naming the folder and the holder — or, when the first has already written into it, that it
    /// is not empty.
    /// </summary>
    public static (RunFolder Folder, IDisposable Lock) CreateLocked(string path)
    {
        var folder = CreateNew(path);
        var held = folder.Lock();
        // Another run may have taken the folder, written into it and let go between our check and our lock.
        if (HasContent(path))
        {
            held.Dispose();
            CheckNew(path);
        }
        return (folder, held);
    }

    // Anything but a lock: a folder that another run holds but has not written into yet is refused by its lock, not here.
    private static bool HasContent(string path) =>
        Directory.EnumerateFileSystemEntries(path).Any(e => !System.IO.Path.GetFileName(e).StartsWith(LockFileName, StringComparison.Ordinal));

    // ---- the lock ---------------------------------------------------------------------------

    /// <summary>The lock file (an advisory lock held for a run's life); <c>.holder</c> beside it says who holds it.</summary>
    public const string LockFileName = ".run.lock";

    // A probe (ThrowIfHeld) holds the lock for an instant: a few tries over this long tell it from a run.
    private const int LockAttempts = 5;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(20);

    // How long a refused run waits for the holder's line (written just after it took the lock).
    private static readonly TimeSpan HolderWait = TimeSpan.FromSeconds(1);

    private string LockPath => Combine(LockFileName);

    private string HolderPath => LockPath + ".holder";

    /// <summary>
    /// Takes the folder's lock for a run's whole life (new runs and <c>--resume</c>); disposing it
    /// releases it. The lock is the operating system's (an exclusive advisory lock on
    /// <see cref="LockFileName"/>), so a crashed run's lock is released with its process: the lock
    /// file a SIGKILL leaves behind is stale, and the next run simply takes it over.
    /// </summary>
    /// <param name="option">The option that named this folder (<c>OutputDirectory</c>, or <c>Resume</c>), for the error.</param>
    /// <exception cref="OptionException">On <paramref name="option"/>: another run holds the folder; the message names it and the holder.</exception>
    public IDisposable Lock(string option = nameof(TrainRunOptions.OutputDirectory))
    {
        FileStream? stream = null;
        for (var attempt = 1; stream is null; attempt++)
        {
            try
            {
                // FileShare.None is an exclusive flock on Unix and a share-mode lock on Windows.
                stream = new FileStream(LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsHeldElsewhere(e))
            {
                if (attempt == LockAttempts)
                {
                    throw Held(option, e);
                }
                Thread.Sleep(LockRetryDelay);
            }
        }
        var held = new FolderLock(stream, LockPath, HolderPath);
        try
        {
            WriteHolder();
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return held;
    }

    // Refuses the folder when a live run holds its lock; takes nothing (a stale or absent lock is no obstacle).
    private void ThrowIfHeld(string option)
    {
        if (!File.Exists(LockPath))
        {
            return;
        }
        try
        {
            using var probe = new FileStream(LockPath, FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (IOException e) when (IsHeldElsewhere(e))
        {
            throw Held(option, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone meanwhile, or unreadable: no live run to name; the caller goes on to its own check.
        }
    }

    // A lock refused because another open file holds it; a missing file or folder is another matter.
    private static bool IsHeldElsewhere(IOException e) =>
        e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException);

    private OptionException Held(string option, IOException e) =>
        new(option, Path, $"another run is using this folder ({Holder()}); wait for it to finish or choose another run folder.", e);

    // The holder's line, written atomically so that it is read whole. It may be missing, or a
    // crashed run's, for the instant between the new holder taking the lock and writing it.
    private string Holder()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var line = ReadHolder();
            if ((line is not null && IsLive(line)) || clock.Elapsed > HolderWait)
            {
                return line ?? "another process";
            }
            Thread.Sleep(LockRetryDelay);
        }
    }

    private string? ReadHolder()
    {
        try
        {
            return File.ReadAllText(HolderPath).Trim() is { Length: > 0 } line ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private void WriteHolder() =>
        WriteAtomically(HolderPath, string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.UtcNow:yyyy-MM-dd HH:mm:ss} UTC"));

    // Whether a holder line ("process N on HOST, since …") may name a live process: false only for a
    // process of this machine that has ended.
    private static bool IsLive(string holder)
    {
        var words = holder.Split(' ', ',');
        if (words.Length < 4 || words[0] != "process" || words[2] != "on" || words[3] != Environment.MachineName
            || !int.TryParse(words[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return true;
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    // Removes the files while still holding the lock, then lets go: a run that opens the path
    // meanwhile creates a fresh lock file, never one whose lock is about to be released under it.
    private sealed class FolderLock(FileStream stream, string lockPath, string holderPath) : IDisposable
    {
        private FileStream? _stream = stream;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stream, null) is not { } held)
            {
                return;
            }
            CsvOutput.DeleteQuietly(holderPath);
            CsvOutput.DeleteQuietly(lockPath);
            held.Dispose();
        }
    }

    /// <summary>The default run folder name: <c>runs/&lt;verb&gt;-&lt;UTC timestamp&gt;</c>.</summary>
    public static string DefaultPath(string verb) =>
        System.IO.Path.Combine("runs", $"{verb}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");

    /// <summary>The model.json a run folder, model.json or model.safetensors path stands for.</summary>
    public static string ResolveManifest(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path))
        {
            return System.IO.Path.Combine(path, ManifestFileName);
        }
        return path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase)
            ? System.IO.Path.ChangeExtension(path, ".json")
            : path;
    }

    // ---- config.json ------------------------------------------------------------------------

    /// <summary>
    /// Writes <c>config.json</c>. A member that does not apply to the run (a schedule parameter the
    /// schedule does not use, no test file, no source model) is left out rather than written as
    /// null, so the file holds no null and reads back, as <c>--config</c> too, as the same options.
    /// </summary>
    public void WriteConfig(RunConfig config) =>
        WriteAtomically(ConfigPath, JsonSerializer.Serialize(config, ConfigWithoutNulls.RunConfig));

    private static readonly TransferJson ConfigWithoutNulls = new(new JsonSerializerOptions(TransferJson.Default.Options)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    });

    /// <summary>
    /// The <c>config.json</c> keys whose member may be null — those earlier versions wrote as
    /// <c>null</c> when the run did not use them (<c>"lr_factor": null</c> under a constant
    /// schedule, <c>"test": null</c> without a test file). In a run folder's config.json such a
    /// null means "not set"; anywhere else a null is an error (see <c>--config</c>).
    /// </summary>
    public static IReadOnlySet<string> ConfigKeysRecordedAsNullWhenUnused { get; } =
        TransferJson.Default.RunConfig.Properties.Where(p => p.IsGetNullable).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>Reads <c>config.json</c>; an unknown value or a damaged file names the file.</summary>
    /// <exception cref="OptionException">On <c>Resume</c>: there is no config.json here.</exception>
    /// <exception cref="UsageException">It cannot be read as a config.</exception>
    public RunConfig ReadConfig()
    {
        if (!File.Exists(ConfigPath))
        {
            throw new OptionException(nameof(TrainRunOptions.Resume), Path, Directory.Exists(ScreeningFolder)
                ? $"its source screening was stopped before the final fine-tune began, so there is no {ConfigFileName} to resume; screening runs are short: start it again in a new folder."
                : $"no {ConfigFileName} there; it is not a run folder.");
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(ConfigPath), TransferJson.Default.RunConfig)
                ?? throw new UsageException($"{ConfigPath} is empty.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{ConfigPath}: {(e.Path is { Length: > 1 } key ? $"key '{key.TrimStart('$', '.')}': " : "")}{e.Message}", e);
        }
    }

    // ---- screening.json ---------------------------------------------------------------------

    /// <summary>Writes <c>screening.json</c>.</summary>
    public void WriteScreening(ScreeningFile screening) =>
        WriteAtomically(ScreeningPath, JsonSerializer.Serialize(screening, TransferJson.Default.ScreeningFile));

    /// <summary>Reads <c>screening.json</c>; null when the run screened no sources.</summary>
    /// <exception cref="UsageException">It cannot be read as a screening record.</exception>
    public ScreeningFile? ReadScreening()
    {
        if (!File.Exists(ScreeningPath))
        {
            return null;
        }
        try
        {
            var screening = JsonSerializer.Deserialize(File.ReadAllText(ScreeningPath), TransferJson.Default.ScreeningFile)
                ?? throw new UsageException($"{ScreeningPath} is empty.");
            return screening.Format == ScreeningFile.CurrentFormat
                ? screening
                : throw new UsageException($"{ScreeningPath}: format '{screening.Format}', expected '{ScreeningFile.CurrentFormat}'.");
        }
        catch (JsonException e)
        {
            throw new UsageException($"{ScreeningPath}: not a screening record ({e.Message}).", e);
        }
    }

    // ---- splits.json ------------------------------------------------------------------------

    /// <summary>Writes <c>splits.json</c>.</summary>
    public void WriteSplits(SplitsFile splits) =>
        WriteAtomically(SplitsPath, JsonSerializer.Serialize(splits, TransferJson.Default.SplitsFile));

    /// <summary>Reads this folder's <c>splits.json</c>.</summary>
    public SplitsFile ReadSplits() => ReadSplits(SplitsPath);

    /// <summary>Reads any <c>splits.json</c> (e.g. one given to reuse another run's rows).</summary>
    /// <exception cref="OptionException">On <c>SplitsPath</c>: missing, empty or not a splits file.</exception>
    public static SplitsFile ReadSplits(string path)
    {
        const string option = nameof(TrainRunOptions.SplitsPath);
        if (!File.Exists(path))
        {
            throw new OptionException(option, path, "file not found.");
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), TransferJson.Default.SplitsFile)
                ?? throw new OptionException(option, path, "empty.");
        }
        catch (JsonException e)
        {
            throw new OptionException(option, path, $"not a splits.json ({e.Message}).", e);
        }
    }

    // ---- metrics.csv ------------------------------------------------------------------------

    /// <summary>
    /// Starts <c>metrics.csv</c> afresh (a resumed run rewrites it from its checkpoint's history, so
    /// it never holds an epoch twice); each <see cref="MetricsWriter.Append"/> is flushed at once.
    /// </summary>
    public MetricsWriter OpenMetrics(LossKind loss) => new(MetricsPath, loss, []);

    /// <summary>
    /// As <see cref="OpenMetrics(LossKind)"/> for a multi-output run: after the usual columns, one
    /// <c>val_mae_&lt;target&gt;</c> column per target (each target's validation MAE in its units).
    /// </summary>
    public MetricsWriter OpenMetrics(LossKind loss, IReadOnlyList<string> targetNames) => new(MetricsPath, loss, targetNames);

    /// <summary>The rows of <c>metrics.csv</c>; none when it does not exist.</summary>
    /// <exception cref="InvalidDataException">A line is not a metrics row.</exception>
    public IReadOnlyList<MetricsRow> ReadMetrics()
    {
        if (!File.Exists(MetricsPath))
        {
            return [];
        }
        var rows = new List<MetricsRow>();
        var lineNumber = 1;
        foreach (var line in File.ReadLines(MetricsPath).Skip(1))
        {
            lineNumber++;
            var cells = line.Split(',');
            double Cell(int i) =>
                i < cells.Length && double.TryParse(cells[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new InvalidDataException($"{MetricsPath} line {lineNumber}: column {i + 1} is '{(i < cells.Length ? cells[i] : "")}', not a number.");
            rows.Add(new MetricsRow((int)Cell(0), Cell(1), Cell(2), Cell(3), Cell(4), Cell(5), Cell(6)));
        }
        return rows;
    }

    /// <summary>
    /// Writes <c>metrics.csv</c> one flushed line per epoch. The file is begun by temporary file and
    /// rename (a resumed run's rewrite never leaves it half-written), and a line that cannot be
    /// appended whole (a full disk) is cut off again, so the file only ever holds whole lines.
    /// </summary>
    public sealed class MetricsWriter : IDisposable
    {
        private readonly string _path;
        private readonly FileStream _stream;

        internal MetricsWriter(string path, LossKind loss, IReadOnlyList<string> targetNames)
        {
            _path = path;
            var header = $"epoch,train_{loss.ToName()},val_mae,lr,grad_norm,weight_norm,seconds"
                + string.Concat(targetNames.Select(name => "," + CsvOutput.Escape("val_mae_" + name)));
            CsvOutput.WriteAtomically(path, writer =>
            {
                writer.WriteLine(header);
                return 0;
            });
            // Unbuffered: each line goes to the file in one write, and a failed one can be cut off.
            _stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        }

        /// <summary>
        /// Appends one epoch, in target units (<paramref name="lossScale"/> and <paramref name="maeScale"/> map training units to them);
        /// a multi-output run's per-target MAEs (<see cref="EpochMetrics.ValidationMaePerTarget"/>) are written as given, already in each target's units.
        /// </summary>
        /// <exception cref="IOException">The line could not be written (it is not left half-written); the message names the file.</exception>
        public void Append(EpochMetrics m, double lossScale, double maeScale)
        {
            ArgumentNullException.ThrowIfNull(m);
            var line = string.Create(CultureInfo.InvariantCulture,
                $"{m.Epoch},{m.TrainLoss * lossScale:G9},{m.ValidationMae * maeScale:G9},{m.LearningRate:G6},{m.GradientNorm:G6},{m.WeightNorm:G6},{m.Seconds:F3}")
                + string.Concat((m.ValidationMaePerTarget ?? []).Select(mae => string.Create(CultureInfo.InvariantCulture, $",{mae:G9}")))
                + Environment.NewLine;
            var length = _stream.Length;
            try
            {
                _stream.Write(System.Text.Encoding.UTF8.GetBytes(line));
                _stream.Flush();
            }
            catch (IOException e)
            {
                try
                {
                    _stream.SetLength(length);
                }
                catch (IOException)
                {
                    // The write's failure is the one to report.
                }
                throw new IOException(string.Create(CultureInfo.InvariantCulture, $"{_path}: could not append epoch {m.Epoch} ({e.Message})."), e);
            }
        }

        /// <inheritdoc />
        public void Dispose() => _stream.Dispose();
    }

    // ---- checkpoint.safetensors -------------------------------------------------------------

    /// <summary>True when the folder holds a checkpoint.</summary>
    public bool HasCheckpoint => File.Exists(CheckpointPath);

    /// <summary>Writes the checkpoint atomically.</summary>
    public void SaveCheckpoint(TrainingState state, TargetScaler scaler)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(scaler);
        RunCheckpoint.Save(CheckpointPath, state, scaler);
    }

    /// <summary>Reads the checkpoint.</summary>
    /// <exception cref="UsageException">There is none, or it is damaged.</exception>
    public (TrainingState State, TargetScaler Scaler) LoadCheckpoint()
    {
        if (!HasCheckpoint)
        {
            throw new UsageException($"{Path}: no {CheckpointFileName} to resume from (was the run started by this version, and did it finish an epoch?).");
        }
        try
        {
            return RunCheckpoint.Load(CheckpointPath);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UsageException($"{CheckpointPath}: damaged checkpoint ({e.Message}).", e);
        }
    }

    /// <summary>Removes the checkpoint (it is only for resuming; an ElemNet checkpoint is ~74 MB).</summary>
    public void DeleteCheckpoint() => File.Delete(CheckpointPath);

    // ---- model.json + model.safetensors -----------------------------------------------------

    /// <summary>Writes the weights of <paramref name="network"/> and then the manifest that describes them.</summary>
    public void SaveModel(ModelManifest manifest, Sequential network)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var weights = Combine(manifest.Weights);
        ModelWeights.Save(network, weights, new Dictionary<string, string>
        {
            ["architecture"] = manifest.Architecture,
            ["feature_kind"] = manifest.FeatureKind.ToName(),
            ["target"] = manifest.TargetName,
        });
        // The hash of the file as written ties the weights to this manifest (ModelFiles.Check).
        (manifest with { WeightsSha256 = ModelFiles.Sha256(weights) }).Save(ManifestPath);
    }

    /// <summary>Reads <c>model.json</c>.</summary>
    public ModelManifest ReadManifest() => ModelManifest.Load(ManifestPath);

    /// <summary>Removes the weights (a grid keeps only the scores unless asked to keep models).</summary>
    public void DeleteWeights() => File.Delete(WeightsPath);

    // ---- predictions_<split>.csv ------------------------------------------------------------

    /// <summary>Writes <c>predictions_&lt;split&gt;.csv</c>: <c>formula,target,prediction</c>.</summary>
    public void WritePredictions(string split, FeaturizedData data, float[] predictions, string targetName) =>
        PredictionsCsv.Write(PredictionsPath(split), data, predictions, targetName);

    /// <summary>Writes <c>predictions_&lt;split&gt;.csv</c> of a multi-output model (<see cref="PredictionsCsv.WriteSeveral(string, FeaturizedData, float[], IReadOnlyList{string})"/>).</summary>
    public void WritePredictions(string split, FeaturizedData data, float[] predictions, IReadOnlyList<string> targetNames) =>
        PredictionsCsv.WriteSeveral(PredictionsPath(split), data, predictions, targetNames);

    /// <summary>Reads <c>predictions_&lt;split&gt;.csv</c> of a one-target run back: formula and prediction per row; null when the file does not exist.</summary>
    public PredictionRows? ReadPredictions(string split) => PredictionsCsv.Read(PredictionsPath(split));

    private static void WriteAtomically(string path, string text) =>
        CsvOutput.WriteAtomically(path, writer =>
        {
            writer.Write(text);
            return 0;
        });
}
