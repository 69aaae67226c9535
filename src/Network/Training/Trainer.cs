using System.Diagnostics;
using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Layers;

namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Minibatch training with Adam and early stopping on the validation MAE, restoring the best
/// weights at the end (Keras's EarlyStopping(restore_best_weights=True), as ElemNet used).
/// <para>
/// Hot-path rules: every buffer is allocated before the first epoch; the training set is shuffled on
/// the host once per epoch into a preallocated array and uploaded in one copy, so each step's
/// batch is a slice already on the device; the loss is accumulated on the device and read back
/// once per epoch (and once for validation); the best weights are kept by a device-side copy.
/// After each epoch the last step's gradient and the weights are read back once for their L2 norms
/// (<see cref="EpochMetrics.GradientNorm"/>, <see cref="EpochMetrics.WeightNorm"/>); a NaN or ±∞
/// there or in the losses stops the run (<see cref="NonFiniteStop"/>) before the epoch is handed
/// to the checkpoint callback.
/// </para>
/// </summary>
public sealed class Trainer
{
    private readonly Sequential _model;
    private readonly TrainerOptions _options;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    public Trainer(Sequential model, TrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.BatchSize > model.MaxRows)
        {
            throw new ArgumentException($"Batch size {options.BatchSize} exceeds the model's {model.MaxRows} rows.", nameof(options));
        }
        if (model.OutputWidth != 1)
        {
            throw new ArgumentException($"The trainer fits one target; the model has {model.OutputWidth} outputs.", nameof(model));
        }
        _model = model;
        _options = options;
    }

    /// <summary>Trains on <paramref name="train"/>, selecting the epoch by MAE on <paramref name="validation"/>.</summary>
    /// <param name="train">Training rows.</param>
    /// <param name="validation">Validation rows (selection and early stopping).</param>
    /// <param name="progress">Receives each epoch's metrics.</param>
    /// <param name="resume">A state saved by <paramref name="epochCompleted"/> to continue from.</param>
    /// <param name="epochCompleted">Called after every epoch that ends with finite metrics; its
    /// <see cref="EpochEnd.Capture"/> reads the full state back only when the caller asks.</param>
    /// <param name="cancellation">Stops after the current step; the best weights are still restored.</param>
    public TrainingResult Fit(
        DataMatrix train, DataMatrix validation, IProgress<EpochMetrics>? progress = null,
        TrainingState? resume = null, Action<EpochEnd>? epochCompleted = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        CheckData(train, nameof(train));
        CheckData(validation, nameof(validation));

        var backend = _model.Backend;
        var parameters = _model.Parameters;
        var (trainableOffset, trainableCount) = _model.TrainableRange(_options.FrozenDenseLayers);
        var width = _model.InputWidth;
        var n = train.Count;

        using var trainFeatures = backend.Allocate(n * width);
        using var trainTargets = backend.Allocate(n);
        using var validationFeatures = backend.Allocate(validation.Count * width);
        using var validationTargets = backend.Allocate(validation.Count);
        using var lossSums = backend.Allocate(2);
        using var bestValues = backend.Allocate(parameters.Count);
        backend.Upload(validationFeatures.View, validation.Features);
        backend.Upload(validationTargets.View, validation.Targets);
        backend.Copy(parameters.Values.View, bestValues.View);

        var order = new int[n];
        var shuffledFeatures = new float[n * width];
        var shuffledTargets = new float[n];
        var tape = new Tape(backend, capacity: _model.Layers.Count + 4);
        var loss = new LossOp(_options.Loss);
        var trainLossSum = lossSums.Slice(0, 1);
        var sum = new float[1];
        // Host copies for the per-epoch health check: one download of each per epoch, never per step.
        var lastGradients = new float[trainableCount];
        var currentValues = new float[parameters.Count];

        var history = new List<EpochMetrics>();
        var clock = Stopwatch.StartNew();
        var best = double.PositiveInfinity;
        var bestEpoch = 0;
        var sinceBest = 0;
        var adamStep = 0L;
        var firstEpoch = 1;
        var secondsBefore = 0.0;
        if (resume is not null)
        {
            Restore(resume, bestValues);
            (best, bestEpoch, sinceBest, adamStep, firstEpoch, secondsBefore) =
                (resume.BestValidationMae, resume.BestEpoch, resume.SinceBest, resume.AdamStep, resume.Epoch + 1, resume.Seconds);
            history.AddRange(resume.History);
        }
        var stopReason = "max-epochs";
        for (var epoch = firstEpoch; epoch <= _options.MaxEpochs; epoch++)
        {
            // Each epoch's order depends only on (seed, epoch): a resumed run shuffles identically.
            ShuffleForEpoch(order, _options.Seed, epoch);
            for (var i = 0; i < n; i++)
            {
                var source = order[i];
                Array.Copy(train.Features, (long)source * width, shuffledFeatures, (long)i * width, width);
                shuffledTargets[i] = train.Targets[source];
            }
            backend.Upload(trainFeatures.View, shuffledFeatures);
            backend.Upload(trainTargets.View, shuffledTargets);
            backend.Fill(trainLossSum, 0f);

            var seen = 0;
            var outOfTime = false;
            for (var start = 0; start < n; start += _options.BatchSize)
            {
                var rows = Math.Min(_options.BatchSize, n - start);
                adamStep++;
                var context = new ForwardContext(tape, IsTraining: true, Step: (ulong)adamStep);
                var prediction = _model.Forward(trainFeatures.Slice(start * width, rows * width), rows, context);
                loss.Forward(backend, prediction, trainTargets.Slice(start, rows), trainLossSum, tape);
                tape.Backward();
                backend.Adam(parameters.Values.View, parameters.Gradients.View, parameters.FirstMoment.View, parameters.SecondMoment.View,
                    trainableOffset, trainableCount,
                    new AdamStep(adamStep, _options.LearningRate, _options.Beta1, _options.Beta2, _options.Epsilon));
                tape.Reset();
                seen += rows;
                if (_options.TimeLimit is { } limit && clock.Elapsed >= limit)
                {
                    outOfTime = true;
                    break;
                }
                if (cancellation.IsCancellationRequested)
                {
                    break;
                }
            }

            backend.Download(trainLossSum, sum);
            var trainLoss = sum[0] / (double)seen;
            var validationMae = MeanAbsoluteError(validationFeatures.View, validationTargets.View, validation.Count, lossSums.Slice(1, 1));
            var improved = validationMae < best;
            if (improved)
            {
                best = validationMae;
                bestEpoch = epoch;
                sinceBest = 0;
                backend.Copy(parameters.Values.View, bestValues.View);
            }
            else
            {
                sinceBest++;
            }
            // The last step's gradients (each step overwrites them) and the weights it left.
            backend.Download(parameters.Gradients.View.Slice(trainableOffset, trainableCount), lastGradients);
            backend.Download(parameters.Values.View, currentValues);
            var metrics = new EpochMetrics(epoch, trainLoss, validationMae, secondsBefore + clock.Elapsed.TotalSeconds, improved, _options.LearningRate)
            {
                GradientNorm = L2Norm(lastGradients),
                WeightNorm = L2Norm(currentValues),
            };
            history.Add(metrics);
            if (!metrics.IsFinite)
            {
                // Not handed to epochCompleted: the last checkpoint keeps the last sound epoch.
                progress?.Report(metrics);
                stopReason = NonFiniteStop;
                break;
            }
            // Decided before the callback, so a checkpoint knows it is the last one.
            string? stopping = cancellation.IsCancellationRequested ? "cancelled"
                : outOfTime ? "time-limit"
                : sinceBest >= _options.Patience ? "early-stopping"
                : epoch >= _options.MaxEpochs ? "max-epochs"
                : null;
            if (epochCompleted is not null)
            {
                var (epochNow, stepNow, bestEpochNow, bestNow, sinceBestNow) = (epoch, adamStep, bestEpoch, best, sinceBest);
                epochCompleted(new EpochEnd(epoch, stopping, () => new TrainingState
                {
                    Seed = _options.Seed,
                    Epoch = epochNow,
                    AdamStep = stepNow,
                    BestEpoch = bestEpochNow,
                    BestValidationMae = bestNow,
                    SinceBest = sinceBestNow,
                    History = [.. history],
                    Seconds = metrics.Seconds,
                    Parameters = (float[])currentValues.Clone(),
                    FirstMoment = Download(parameters.FirstMoment),
                    SecondMoment = Download(parameters.SecondMoment),
                    BestParameters = Download(bestValues),
                }));
            }
            progress?.Report(metrics);
            if (stopping is not null)
            {
                stopReason = stopping;
                break;
            }
        }

        backend.Copy(bestValues.View, parameters.Values.View);
        return new TrainingResult(history.Count, bestEpoch, best, stopReason, clock.Elapsed + TimeSpan.FromSeconds(secondsBefore), history);
    }

    /// <summary>
    /// <see cref="TrainingResult.StopReason"/> when an epoch's loss, validation MAE, last gradient or
    /// weights held NaN or ±∞: the run stopped there, with the best weights restored.
    /// </summary>
    public const string NonFiniteStop = "non-finite";

    // Accumulated in double, in index order: the same value on every backend for the same floats,
    // and NaN or ∞ exactly when some element is (or the squares overflow even a double).
    private static double L2Norm(float[] values)
    {
        var sumOfSquares = 0.0;
        foreach (var value in values)
        {
            sumOfSquares += (double)value * value;
        }
        return Math.Sqrt(sumOfSquares);
    }

    private void Restore(TrainingState state, DeviceBuffer bestValues)
    {
        var parameters = _model.Parameters;
        foreach (var (array, name) in new[] { (state.Parameters, "parameters"), (state.FirstMoment, "first moment"), (state.SecondMoment, "second moment"), (state.BestParameters, "best parameters") })
        {
            if (array.Length != parameters.Count)
            {
                throw new ArgumentException($"The saved {name} hold {array.Length} floats; the model has {parameters.Count} parameters.", nameof(state));
            }
        }
        if (state.Seed is { } seed && seed != _options.Seed)
        {
            throw new ArgumentException($"The saved state was trained with seed {seed}; continuing with seed {_options.Seed} would change every later shuffle and dropout mask.", nameof(state));
        }
        if (state.Epoch < 0 || state.AdamStep < 0)
        {
            throw new ArgumentException("The saved state has a negative epoch or step.", nameof(state));
        }
        var backend = _model.Backend;
        backend.Upload(parameters.Values.View, state.Parameters);
        backend.Upload(parameters.FirstMoment.View, state.FirstMoment);
        backend.Upload(parameters.SecondMoment.View, state.SecondMoment);
        backend.Upload(bestValues.View, state.BestParameters);
    }

    private float[] Download(DeviceBuffer buffer)
    {
        var host = new float[buffer.Length];
        _model.Backend.Download(buffer.View, host);
        return host;
    }

    /// <summary>MAE of the model's predictions on <paramref name="data"/> (inference mode).</summary>
    public double MeanAbsoluteError(DataMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, nameof(data));
        var backend = _model.Backend;
        using var features = backend.Allocate(data.Count * _model.InputWidth);
        using var targets = backend.Allocate(data.Count);
        using var lossSum = backend.Allocate(1);
        backend.Upload(features.View, data.Features);
        backend.Upload(targets.View, data.Targets);
        return MeanAbsoluteError(features.View, targets.View, data.Count, lossSum.View);
    }

    // Inference in chunks of MaxRows; the MAE kernel's gradient output goes to the prediction's
    // gradient storage, unused here.
    private double MeanAbsoluteError(BufferView features, BufferView targets, int count, BufferView lossSum)
    {
        var backend = _model.Backend;
        var mae = new LossOp(LossKind.Mae);
        backend.Fill(lossSum, 0f);
        var width = _model.InputWidth;
        for (var start = 0; start < count; start += _model.MaxRows)
        {
            var rows = Math.Min(_model.MaxRows, count - start);
            var prediction = _model.Forward(features.Slice(start * width, rows * width), rows, ForwardContext.Inference);
            mae.Forward(backend, prediction, targets.Slice(start, rows), lossSum, tape: null);
        }
        var sum = new float[1];
        backend.Download(lossSum, sum);
        return sum[0] / (double)count;
    }

    private void CheckData(DataMatrix data, string name)
    {
        if (data.Count == 0)
        {
            throw new ArgumentException($"The {name} set is empty.", name);
        }
        if (data.Width != _model.InputWidth)
        {
            throw new ArgumentException($"The {name} set has {data.Width} features per row; the model takes {_model.InputWidth}.", name);
        }
    }

    private static void ShuffleForEpoch(int[] order, int seed, int epoch)
    {
        // Not HashCode.Combine: it is randomised per process, and the order must repeat across runs.
        var random = new Random((int)(DropoutMask.Mix(((ulong)(uint)seed << 32) | (uint)epoch) & int.MaxValue));
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
    }
}
