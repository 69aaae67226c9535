using System.Diagnostics;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Layers;

namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// Minibatch training with Adam (its rate per epoch from <see cref="TrainerOptions.Schedule"/>) and early stopping on the validation MAE, restoring the best
/// weights at the end (Keras's EarlyStopping(restore_best_weights=True), as ElemNet used).
/// <para>
/// K outputs: the model's output width is the data's <see cref="DataMatrix.Outputs"/>; a NaN
/// target is unlabelled and the loss is masked (<see cref="IComputeBackend.Loss"/>: mean over
/// targets of each target's mean over its labelled rows). The epoch is selected by the mean over
/// targets of each target's validation MAE over its labelled rows, in the trainer's units
/// (standardised targets: every target weighs the same); each target's MAE is reported in
/// <see cref="EpochMetrics.ValidationMaePerTarget"/>. With one target and no NaN everything is the
/// single-target computation, bit for bit.
/// </para>
/// <para>
/// <see cref="Fit"/> is the epoch loop; its parts are named: each epoch trains one
/// <see cref="TrainingStep"/> per minibatch over a shuffled copy of the training set, the
/// early-stopping bookkeeping decides when to stop, and the health check measures the epoch.
/// </para>
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
/// <para>
/// A cancellation or the time limit ends the run after the current step. An epoch left mid-way is
/// discarded whole (<see cref="TrainingResult.InterruptedEpoch"/>): it is not validated, recorded or
/// checkpointed and cannot become best, so every recorded epoch, checkpoint and model is one an
/// uninterrupted run also has, and a resumed run redoes the epoch from its start.
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
    /// <param name="cancellation">Stops after the current step. An epoch left mid-way is discarded
    /// (<see cref="TrainingResult.InterruptedEpoch"/>); the best weights of the completed epochs are restored.</param>
    public TrainingResult Fit(
        DataMatrix train, DataMatrix validation, IProgress<EpochMetrics>? progress = null,
        TrainingState? resume = null, Action<EpochEnd>? epochCompleted = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        CheckData(train, nameof(train));
        CheckData(validation, nameof(validation));
        var outputs = _model.OutputWidth;
        var validationLabelled = validation.LabelledCounts();
        CheckLabelled(train.LabelledCounts(), nameof(train));
        CheckLabelled(validationLabelled, nameof(validation));

        var backend = _model.Backend;
        var parameters = _model.Parameters;
        var regularization = _options.Regularization;
        // L2-SP's anchor (the weights training started from) and weight decay's zeros: allocated only when used.
        using var startingValues = regularization.SourceDecay > 0f ? backend.Allocate(parameters.Count) : null;
        using var zeros = regularization.WeightDecay > 0f ? backend.Allocate(parameters.Count) : null;
        if (startingValues is not null)
        {
            if (resume is null)
            {
                backend.Copy(parameters.Values.View, startingValues.View);
            }
            else
            {
                var saved = resume.StartingParameters
                    ?? throw new ArgumentException("The saved state has no starting weights, which L2-SP (source decay) needs; it was saved by a run without it.", nameof(resume));
                CheckLength(saved, parameters.Count, "starting weights");
                backend.Upload(startingValues.View, saved);
            }
        }
        if (zeros is not null)
        {
            backend.Fill(zeros.View, 0f);
        }
        // Disposing it frees its CUDA graphs and staging buffers; the backend may be pooled.
        using var step = new TrainingStep(_model, _options.Loss, _options.FrozenDenseLayers, regularization,
            startingValues?.View ?? default, zeros?.View ?? default, _options.Beta1, _options.Beta2, _options.Epsilon);
        using var trainSet = new ShuffledTrainingSet(backend, train);
        using var validationFeatures = backend.Allocate(validation.Count * _model.InputWidth);
        using var validationTargets = backend.Allocate(validation.Count * outputs);
        using var lossSums = backend.Allocate(2 * outputs);
        using var bestValues = backend.Allocate(parameters.Count);
        backend.Upload(validationFeatures.View, validation.Features);
        backend.Upload(validationTargets.View, validation.Targets);
        backend.Copy(parameters.Values.View, bestValues.View);
        var trainLossSum = lossSums.Slice(0, outputs);
        var validationLossSum = lossSums.Slice(outputs, outputs);
        var validationSums = new float[outputs];
        var health = new HealthCheck(parameters, step.TrainableOffset, step.TrainableCount);
        var earlyStopping = new EarlyStopping(_options.Patience);

        var history = new List<EpochMetrics>();
        var clock = Stopwatch.StartNew();
        var firstEpoch = 1;
        var secondsBefore = 0.0;
        if (resume is not null)
        {
            Restore(resume, bestValues);
            earlyStopping.Restore(resume.BestValidationMae, resume.BestEpoch, resume.SinceBest);
            step.Steps = resume.AdamStep;
            (firstEpoch, secondsBefore) = (resume.Epoch + 1, resume.Seconds);
            history.AddRange(resume.History);
        }
        var stopReason = "max-epochs";
        int? interruptedEpoch = null;
        for (var epoch = firstEpoch; epoch <= _options.MaxEpochs; epoch++)
        {
            // A pure function of the epoch and the history so far: a resumed run repeats it exactly.
            if (cancellation.IsCancellationRequested)
            {
                // Requested after the last epoch's check: stop before starting another.
                stopReason = "cancelled";
                break;
            }
            var rate = _options.Schedule.RateFor(epoch, _options.LearningRate, _options.MaxEpochs, history);
            var (trainLoss, interrupted) = TrainEpoch(step, trainSet, epoch, rate, trainLossSum, clock, cancellation);
            if (interrupted is not null)
            {
                // Left mid-way: the partial epoch is discarded — not validated, not in the history,
                // not handed to epochCompleted (so never checkpointed) and never best. Its Adam steps
                // live only in the buffers, which are overwritten by the best weights below; a
                // resumed run redoes the epoch from its start.
                stopReason = interrupted;
                interruptedEpoch = epoch;
                break;
            }
            var outOfTime = _options.TimeLimit is { } limit && clock.Elapsed >= limit;
            var perTarget = outputs == 1 ? null : new double[outputs];
            var validationMae = MeanAbsoluteError(
                validationFeatures.View, validationTargets.View, validation.Count, validationLossSum, validationSums, validationLabelled, perTarget);
            var improved = earlyStopping.Observe(epoch, validationMae);
            if (improved)
            {
                backend.Copy(parameters.Values.View, bestValues.View);
            }
            var metrics = health.Measure(
                new EpochMetrics(epoch, trainLoss, validationMae, secondsBefore + clock.Elapsed.TotalSeconds, improved, rate)
                {
                    ValidationMaePerTarget = perTarget,
                });
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
                : earlyStopping.ShouldStop ? "early-stopping"
                : epoch >= _options.MaxEpochs ? "max-epochs"
                : null;
            if (epochCompleted is not null)
            {
                // Copied now: the callback's Capture must describe this epoch even if called late.
                var (epochNow, stepNow, bestEpochNow, bestNow, sinceBestNow) =
                    (epoch, step.Steps, earlyStopping.BestEpoch, earlyStopping.Best, earlyStopping.SinceBest);
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
                    Parameters = health.Values.ToArray(),
                    FirstMoment = Download(parameters.FirstMoment),
                    SecondMoment = Download(parameters.SecondMoment),
                    BestParameters = Download(bestValues),
                    StartingParameters = startingValues is null ? null : Download(startingValues),
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
        return new TrainingResult(history.Count, earlyStopping.BestEpoch, earlyStopping.Best, stopReason,
            clock.Elapsed + TimeSpan.FromSeconds(secondsBefore), history)
        {
            InterruptedEpoch = interruptedEpoch,
        };
    }

    /// <summary>Test hook: called after each step with (epoch, steps done in that epoch), before the
    /// time limit and the cancellation are checked.</summary>
    internal Action<int, int>? StepCompleted { get; set; }

    /// <summary>
    /// One pass over the training set in this epoch's order, a <see cref="TrainingStep"/> per
    /// minibatch (the last one may be short); returns the mean training loss over the epoch
    /// (with K targets: the mean over targets of each target's mean over its labelled rows), or,
    /// when the time limit or a cancellation ends it after a step before its last, the stop reason
    /// ("time-limit", "cancelled") instead: that partial epoch is not to be recorded.
    /// </summary>
    private (double TrainLoss, string? Interrupted) TrainEpoch(
        TrainingStep step, ShuffledTrainingSet trainSet, int epoch, float learningRate, BufferView lossSum, Stopwatch clock, CancellationToken cancellation)
    {
        trainSet.Shuffle(_options.Seed, epoch);
        _model.Backend.Fill(lossSum, 0f);
        var trunkRate = _options.Regularization.TrunkRate(epoch, learningRate);
        var seen = 0;
        var steps = 0;
        for (var start = 0; start < trainSet.Count; start += _options.BatchSize)
        {
            var rows = Math.Min(_options.BatchSize, trainSet.Count - start);
            var (features, targets) = trainSet.Batch(start, rows);
            step.Step(features, targets, rows, lossSum, learningRate, trunkRate);
            seen += rows;
            StepCompleted?.Invoke(epoch, ++steps);
            if (seen == trainSet.Count)
            {
                // The last step: the epoch is whole whatever the clock or the token say now; the
                // caller stops after recording it.
                break;
            }
            if (_options.TimeLimit is { } limit && clock.Elapsed >= limit)
            {
                return (double.NaN, "time-limit");
            }
            if (cancellation.IsCancellationRequested)
            {
                return (double.NaN, "cancelled");
            }
        }
        // The loss is accumulated on the device: one read-back per epoch.
        return (trainSet.MeanLoss(lossSum, seen), null);
    }

    /// <summary>
    /// <see cref="TrainingResult.StopReason"/> when an epoch's loss, validation MAE, last gradient or
    /// weights held NaN or ±∞: the run stopped there, with the best weights restored.
    /// </summary>
    public const string NonFiniteStop = "non-finite";

    private void Restore(TrainingState state, DeviceBuffer bestValues)
    {
        var parameters = _model.Parameters;
        foreach (var (array, name) in new[] { (state.Parameters, "parameters"), (state.FirstMoment, "first moment"), (state.SecondMoment, "second moment"), (state.BestParameters, "best parameters") })
        {
            CheckLength(array, parameters.Count, name);
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

    private static void CheckLength(float[] saved, int parameterCount, string name)
    {
        if (saved.Length != parameterCount)
        {
            throw new ArgumentException($"The saved {name} hold {saved.Length} floats; the model has {parameterCount} parameters.", nameof(saved));
        }
    }

    private float[] Download(DeviceBuffer buffer)
    {
        var host = new float[buffer.Length];
        _model.Backend.Download(buffer.View, host);
        return host;
    }

    /// <summary>
    /// MAE of the model's predictions on <paramref name="data"/> (inference mode); with several
    /// targets the selection metric, the mean over targets of each target's MAE over its labelled rows.
    /// </summary>
    /// <exception cref="ArgumentException">The data do not fit the model, or a target has no labelled row.</exception>
    public double MeanAbsoluteError(DataMatrix data) => MeanAbsoluteErrors(data).Mean;

    /// <summary>
    /// Each target's MAE over its labelled rows of <paramref name="data"/> (inference mode) and their
    /// mean over targets (for one target, the MAE itself).
    /// </summary>
    /// <exception cref="ArgumentException">The data do not fit the model, or a target has no labelled row.</exception>
    public (double Mean, double[] PerTarget) MeanAbsoluteErrors(DataMatrix data)
    {
        ArgumentNullException.ThrowIfNull(data);
        CheckData(data, nameof(data));
        var labelled = data.LabelledCounts();
        CheckLabelled(labelled, nameof(data));
        var backend = _model.Backend;
        var outputs = _model.OutputWidth;
        using var features = backend.Allocate(data.Count * _model.InputWidth);
        using var targets = backend.Allocate(data.Count * outputs);
        using var lossSum = backend.Allocate(outputs);
        backend.Upload(features.View, data.Features);
        backend.Upload(targets.View, data.Targets);
        var perTarget = new double[outputs];
        var mean = MeanAbsoluteError(features.View, targets.View, data.Count, lossSum.View, new float[outputs], labelled, perTarget);
        return (mean, perTarget);
    }

    // Inference in chunks of MaxRows; the MAE kernel's gradient output goes to the prediction's
    // gradient storage, unused here. Per target: Σ |e| over its labelled rows / their count
    // (written into perTarget when given); returned: the mean over targets (for K = 1, sum / count).
    private double MeanAbsoluteError(
        BufferView features, BufferView targets, int count, BufferView lossSum, float[] sums, int[] labelled, double[]? perTarget)
    {
        var backend = _model.Backend;
        var mae = new LossOp(LossKind.Mae);
        backend.Fill(lossSum, 0f);
        var width = _model.InputWidth;
        for (var start = 0; start < count; start += _model.MaxRows)
        {
            var rows = Math.Min(_model.MaxRows, count - start);
            var prediction = _model.Forward(features.Slice(start * width, rows * width), rows, ForwardContext.Inference);
            mae.Forward(backend, prediction, targets.Slice(start * sums.Length, rows * sums.Length), lossSum, tape: null);
        }
        backend.Download(lossSum, sums);
        var total = 0.0;
        for (var k = 0; k < sums.Length; k++)
        {
            var value = sums[k] / (double)labelled[k];
            total += value;
            if (perTarget is not null)
            {
                perTarget[k] = value;
            }
        }
        return total / sums.Length;
    }

    private static void CheckLabelled(int[] labelled, string name)
    {
        for (var k = 0; k < labelled.Length; k++)
        {
            if (labelled[k] == 0)
            {
                throw new ArgumentException($"Target {k} has no labelled row in the {name} set.", name);
            }
        }
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
        if (data.Outputs != _model.OutputWidth)
        {
            throw new ArgumentException($"The {name} set has {data.Outputs} targets per row; the model has {_model.OutputWidth} outputs.", name);
        }
    }

    /// <summary>
    /// The training set on the device in this epoch's order: shuffled on the host into preallocated
    /// arrays and uploaded in one copy per epoch, so each minibatch is a slice already in place.
    /// </summary>
    private sealed class ShuffledTrainingSet : IDisposable
    {
        private readonly IComputeBackend _backend;
        private readonly DataMatrix _data;
        private readonly int[] _order;
        private readonly float[] _shuffledFeatures;
        private readonly float[] _shuffledTargets;
        private readonly DeviceBuffer _features;
        private readonly DeviceBuffer _targets;
        private readonly float[] _sum;
        private readonly int[] _labelled;

        public ShuffledTrainingSet(IComputeBackend backend, DataMatrix data)
        {
            (_backend, _data) = (backend, data);
            _order = new int[data.Count];
            _shuffledFeatures = new float[data.Count * data.Width];
            _shuffledTargets = new float[data.Count * data.Outputs];
            _features = backend.Allocate(data.Count * data.Width);
            _targets = backend.Allocate(data.Count * data.Outputs);
            _sum = new float[data.Outputs];
            _labelled = new int[data.Outputs];
        }

        public int Count => _data.Count;

        /// <summary>Puts the rows in epoch <paramref name="epoch"/>'s order on the device.</summary>
        public void Shuffle(int seed, int epoch)
        {
            // Each epoch's order depends only on (seed, epoch): a resumed run shuffles identically.
            ShuffleForEpoch(_order, seed, epoch);
            var width = _data.Width;
            for (var i = 0; i < _order.Length; i++)
            {
                var source = _order[i];
                Array.Copy(_data.Features, (long)source * width, _shuffledFeatures, (long)i * width, width);
                Array.Copy(_data.Targets, (long)source * _data.Outputs, _shuffledTargets, (long)i * _data.Outputs, _data.Outputs);
            }
            _backend.Upload(_features.View, _shuffledFeatures);
            _backend.Upload(_targets.View, _shuffledTargets);
        }

        /// <summary>Rows [start, start + rows) of this epoch's order: features [rows, width], targets [rows, outputs].</summary>
        public (BufferView Features, BufferView Targets) Batch(int start, int rows) =>
            (_features.Slice(start * _data.Width, rows * _data.Width), _targets.Slice(start * _data.Outputs, rows * _data.Outputs));

        /// <summary>
        /// Reads the per-target loss sums back (one read-back) and returns the mean over targets of
        /// each target's sum over its labelled entries among the first <paramref name="seen"/> rows
        /// of this epoch's order, divided by their count; targets with none seen are left out. One
        /// target, every row labelled: sum / seen.
        /// </summary>
        public double MeanLoss(BufferView sums, int seen)
        {
            _backend.Download(sums, _sum);
            var outputs = _data.Outputs;
            Array.Clear(_labelled);
            for (var i = 0; i < seen * outputs; i++)
            {
                _labelled[i % outputs] += float.IsNaN(_shuffledTargets[i]) ? 0 : 1;
            }
            var (total, targets) = (0.0, 0);
            for (var k = 0; k < outputs; k++)
            {
                if (_labelled[k] > 0)
                {
                    total += _sum[k] / (double)_labelled[k];
                    targets++;
                }
            }
            return targets == 0 ? double.NaN : total / targets;
        }

        public void Dispose()
        {
            _features.Dispose();
            _targets.Dispose();
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
}
