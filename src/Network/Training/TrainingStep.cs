using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Network.Layers;

namespace CrossPropertyILGPU.Network.Training;

/// <summary>
/// One optimisation step of a <see cref="Sequential"/> model on a minibatch, the only place the
/// training arithmetic is written: forward in training mode (recorded on the tape, dropout keyed by
/// the step number), the loss, the backward pass, one Adam update over the trainable parameter
/// range, and the tape reset. <see cref="Trainer"/>, the tests and the benchmarks all run it.
/// <para>
/// Shapes, with B = rows, F = the model's input width and K = its output width (targets; NaN = unlabelled):
/// <code>
/// forward   features [B, F] → prediction [B, K];  loss(prediction, targets [B, K]) → lossSum [K] (+= each target's Σ loss over its labelled rows)
/// backward  ∂L/∂prediction [B, K] (seeded by the masked loss) → ∂L/∂parameters [P] (overwritten each step)
/// update    parameters[offset, offset + count) ← Adam(t = <see cref="Steps"/>, α = the call's learning rate)
/// </code>
/// Nothing is allocated per step: the tape's record is sized for the model's layers, and the
/// step's scalars (forward context, Adam step) are value types.
/// </para>
/// <para>
/// On a backend offering <see cref="IStepGraphs"/> (CUDA) a whole step is captured once per batch
/// size as a CUDA graph and replayed after (<see cref="UseGraphs"/>); where that is unavailable or
/// refused the same ops launch one by one, with the same results bit for bit.
/// </para>
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly Sequential _model;
    private readonly Tape _tape;
    private readonly LossOp _loss;
    private readonly float _beta1;
    private readonly float _beta2;
    private readonly float _epsilon;
    private readonly Regularization _regularization;
    private readonly BufferView _startingWeights;
    private readonly BufferView _zeros;
    private long _steps;
    // CUDA graphs (IStepGraphs): one captured step per batch size, replayed on fixed staging buffers.
    private readonly Dictionary<int, IDisposable> _graphs = [];
    private DeviceBuffer? _graphFeatures;
    private DeviceBuffer? _graphTargets;
    private string? _graphsOff;
    // Recaptures after a refused replay; past a few the step's ops keep changing and graphs stop.
    private int _recaptures;
    private const int MaxRecaptures = 8;
    private string? _graphsTurnedOff;
    private readonly Action _recordStep;
    // The step a capture or replay records; fields, not a closure, so a graph step allocates nothing.
    private (BufferView Features, BufferView Targets, int Rows, BufferView LossSum, AdamStep Head, AdamStep Trunk) _recorded;
    // Guards the order of the phases, so a benchmark timing them apart cannot skip one.
    private Phase _next = Phase.Forward;

    /// <summary>Creates the step for <paramref name="model"/>.</summary>
    /// <param name="model">The model; its parameter store holds the weights, gradients and Adam's moments.</param>
    /// <param name="loss">The training loss (ElemNet: MAE).</param>
    /// <param name="frozenDenseLayers">Leading dense layers Adam leaves untouched (their gradients are still computed).</param>
    /// <param name="beta1">Adam β1.</param>
    /// <param name="beta2">Adam β2.</param>
    /// <param name="epsilon">Adam ε.</param>
    /// <exception cref="ArgumentOutOfRangeException">A frozen-layer count or an Adam hyper-parameter is out of range.</exception>
    public TrainingStep(Sequential model, LossKind loss, int frozenDenseLayers = 0, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
        : this(model, loss, frozenDenseLayers, Regularization.None, default, default, beta1, beta2, epsilon)
    {
    }

    /// <summary>Creates the step for <paramref name="model"/> with <paramref name="regularization"/>.</summary>
    /// <param name="model">The model; its parameter store holds the weights, gradients and Adam's moments.</param>
    /// <param name="loss">The training loss (ElemNet: MAE).</param>
    /// <param name="frozenDenseLayers">Leading dense layers Adam leaves untouched (their gradients are still computed).</param>
    /// <param name="regularization">Decays, the trunk's rate and LP-FT (<see cref="Regularization"/>).</param>
    /// <param name="startingWeights">The weights L2-SP pulls the trunk toward, in the parameter store's layout (all of them); needed when <see cref="Regularization.SourceDecay"/> &gt; 0.</param>
    /// <param name="zeros">At least <see cref="TrainableCount"/> zeros (weight decay's anchor); needed when <see cref="Regularization.WeightDecay"/> &gt; 0.</param>
    /// <param name="beta1">Adam β1.</param>
    /// <param name="beta2">Adam β2.</param>
    /// <param name="epsilon">Adam ε.</param>
    /// <exception cref="ArgumentOutOfRangeException">A frozen-layer count, an Adam hyper-parameter or a regularisation value is out of range.</exception>
    /// <exception cref="ArgumentException">A decay is on but its anchor is missing or too short.</exception>
    public TrainingStep(
        Sequential model, LossKind loss, int frozenDenseLayers, Regularization regularization, BufferView startingWeights, BufferView zeros,
        float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-7f)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(regularization);
        regularization.Validate();
        // Throws for bad hyper-parameters now rather than at the first update.
        _ = new AdamStep(1, 0f, beta1, beta2, epsilon);
        (TrainableOffset, TrainableCount) = model.TrainableRange(frozenDenseLayers);
        // The head is the output layer; the trunk is whatever trains before it (empty when only the head trains).
        HeadOffset = Math.Max(TrainableOffset, model.TrainableRange(model.DenseLayers.Count - 1).Offset);
        if (regularization.SourceDecay > 0f && startingWeights.Length != model.Parameters.Count)
        {
            throw new ArgumentException($"L2-SP needs the {model.Parameters.Count} starting weights; got {startingWeights.Length}.", nameof(startingWeights));
        }
        if (regularization.WeightDecay > 0f && zeros.Length < TrainableCount)
        {
            throw new ArgumentException($"Weight decay needs {TrainableCount} zeros; got {zeros.Length}.", nameof(zeros));
        }
        (_regularization, _startingWeights, _zeros) = (regularization, startingWeights, zeros);
        _model = model;
        _recordStep = RecordStep;
        _tape = new Tape(model.Backend, capacity: model.Layers.Count + 4);
        _loss = new LossOp(loss);
        (_beta1, _beta2, _epsilon) = (beta1, beta2, epsilon);
    }

    private enum Phase
    {
        Forward,
        Backward,
        Update,
    }

    /// <summary>The model being trained.</summary>
    public Sequential Model => _model;

    /// <summary>The training loss.</summary>
    public LossKind Loss => _loss.Kind;

    /// <summary>First parameter Adam updates (the frozen layers lie before it).</summary>
    public int TrainableOffset { get; }

    /// <summary>Number of parameters Adam updates.</summary>
    public int TrainableCount { get; }

    /// <summary>First parameter of the head (the output layer); [<see cref="TrainableOffset"/>, HeadOffset) is the trainable trunk.</summary>
    public int HeadOffset { get; }

    /// <summary>The regularisation every update applies.</summary>
    public Regularization Regularization => _regularization;

    /// <summary>
    /// Steps taken: the next step is number <see cref="Steps"/> + 1, which keys its dropout masks and
    /// is Adam's t. Set it when resuming a run (it is <see cref="TrainingState.AdamStep"/>), so the
    /// resumed steps repeat the uninterrupted run's masks and bias corrections.
    /// </summary>
    public long Steps
    {
        get => _steps;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Expect(Phase.Forward);
            _steps = value;
        }
    }

    /// <summary>
    /// Whether <see cref="Step(BufferView, BufferView, int, BufferView, float, float)"/> may run as a
    /// captured graph on a backend that offers them (<see cref="IStepGraphs"/>; CUDA by default).
    /// Off, or where capture is unavailable or fails, every step launches its ops one by one.
    /// </summary>
    public bool UseGraphs { get; set; } = true;

    /// <summary>Why the last step did not run as a graph (null when it did, or before the first step).</summary>
    public string? GraphsOffReason => _graphsOff;

    /// <summary>
    /// Runs one whole step on <paramref name="rows"/> samples: <see cref="Forward"/>,
    /// <see cref="Backward"/>, <see cref="Update"/>.
    /// </summary>
    /// <param name="features">rows × InputWidth floats on the model's backend.</param>
    /// <param name="targets">rows × OutputWidth floats (row-major; NaN = unlabelled).</param>
    /// <param name="rows">Samples in the batch (1 … the model's MaxRows).</param>
    /// <param name="lossSum">OutputWidth floats to which each target's summed batch loss is added (not cleared).</param>
    /// <param name="learningRate">Adam α for this step: a per-call input, so a schedule can change it step by step.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite (checked before anything runs).</exception>
    public void Step(BufferView features, BufferView targets, int rows, BufferView lossSum, float learningRate) =>
        Step(features, targets, rows, lossSum, learningRate, learningRate);

    /// <summary>
    /// One whole step with the head at <paramref name="headRate"/> and the trunk at
    /// <paramref name="trunkRate"/> (<see cref="Regularization.TrunkRate"/>); equal rates are the one-rate step.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A rate is negative or not finite (checked before anything runs).</exception>
    public void Step(BufferView features, BufferView targets, int rows, BufferView lossSum, float headRate, float trunkRate)
    {
        var head = AdamFor(_steps + 1, headRate);
        var trunk = AdamFor(_steps + 1, trunkRate);
        if (UseGraphs && _model.Backend is IStepGraphs graphs && graphs.CanCaptureSteps)
        {
            if (GraphStep(graphs, features, targets, rows, lossSum, head, trunk))
            {
                return;
            }
        }
        else
        {
            _graphsOff = !UseGraphs ? _graphsTurnedOff ?? "graphs are turned off for this step"
                : (_model.Backend as IStepGraphs)?.StepGraphsUnavailableReason ?? "the backend has no graphs";
        }
        Forward(features, targets, rows, lossSum);
        Backward();
        Apply(head, trunk);
    }

    /// <summary>
    /// The step as a graph: the batch is copied into fixed staging buffers (a graph's buffers must
    /// not move, and batches are slices of the shuffled set), then the step's ops are captured the
    /// first time a batch size is seen and replayed after. False when the backend refused, with the
    /// host state as before, so the caller runs the step eagerly.
    /// </summary>
    private bool GraphStep(IStepGraphs graphs, BufferView features, BufferView targets, int rows, BufferView lossSum, AdamStep head, AdamStep trunk)
    {
        Expect(Phase.Forward);
        var backend = _model.Backend;
        // Allocated once, at the first graph step (not per step).
        _graphFeatures ??= backend.Allocate(_model.MaxRows * _model.InputWidth);
        _graphTargets ??= backend.Allocate(_model.MaxRows * _model.OutputWidth);
        var (stagedFeatures, stagedTargets) = (_graphFeatures.View.Slice(0, features.Length), _graphTargets.View.Slice(0, targets.Length));
        backend.Copy(features, stagedFeatures);
        backend.Copy(targets, stagedTargets);
        var before = _steps;
        _recorded = (stagedFeatures, stagedTargets, rows, lossSum, head, trunk);
        if (_graphs.TryGetValue(rows, out var graph))
        {
            if (graphs.ReplayStep(graph, _recordStep))
            {
                _graphsOff = null;
                return true;
            }
            // Other ops or buffers than at capture (the loss sum moved, a rate went to zero): capture again.
            graph.Dispose();
            _graphs.Remove(rows);
            Rewind(before);
            if (++_recaptures > MaxRecaptures)
            {
                UseGraphs = false;
                _graphsOff = _graphsTurnedOff = $"the step's ops changed between replays {_recaptures} times; graphs are off for this step";
                return false;
            }
        }
        try
        {
            graph = graphs.CaptureStep(_recordStep, out var failure);
            if (graph is null)
            {
                _graphsOff = failure;
                Rewind(before);
                return false;
            }
        }
        catch
        {
            Rewind(before);
            throw;
        }
        _graphs[rows] = graph;
        _graphsOff = null;
        return true;
    }

    private void RecordStep()
    {
        var (features, targets, rows, lossSum, head, trunk) = _recorded;
        Forward(features, targets, rows, lossSum);
        Backward();
        Apply(head, trunk);
    }

    /// <summary>
    /// Frees the captured graphs and their staging buffers (the trainer calls it when training
    /// ends; the backend may be pooled and outlive the step). The next graph step captures anew.
    /// </summary>
    public void ReleaseGraphs()
    {
        foreach (var graph in _graphs.Values)
        {
            graph.Dispose();
        }
        _graphs.Clear();
        _graphFeatures?.Dispose();
        _graphTargets?.Dispose();
        (_graphFeatures, _graphTargets) = (null, null);
    }

    /// <summary>Frees the captured graphs and staging buffers (<see cref="ReleaseGraphs"/>); the step stays usable.</summary>
    public void Dispose() => ReleaseGraphs();

    // A refused capture or replay launched nothing: the host state goes back to before the step.
    private void Rewind(long steps)
    {
        _tape.Reset();
        _steps = steps;
        _next = Phase.Forward;
    }

    /// <summary>
    /// The first phase: advances <see cref="Steps"/>, runs the model in training mode on the tape and
    /// the loss, which seeds the prediction's gradient and adds to <paramref name="lossSum"/>.
    /// Public so a benchmark can time the phases apart; otherwise call <see cref="Step(BufferView, BufferView, int, BufferView, float)"/>.
    /// </summary>
    /// <param name="features">rows × InputWidth floats on the model's backend.</param>
    /// <param name="targets">rows × OutputWidth floats (row-major; NaN = unlabelled).</param>
    /// <param name="rows">Samples in the batch (1 … the model's MaxRows).</param>
    /// <param name="lossSum">OutputWidth floats to which each target's summed batch loss is added (not cleared).</param>
    public void Forward(BufferView features, BufferView targets, int rows, BufferView lossSum)
    {
        Expect(Phase.Forward);
        var step = _steps + 1;
        try
        {
            // features [B, F] → prediction [B, K]; loss → ∂L/∂prediction [B, K], lossSum [K] += Σ loss
            var prediction = _model.Forward(features, rows, new ForwardContext(_tape, IsTraining: true, Step: (ulong)step));
            _loss.Forward(_model.Backend, prediction, targets, lossSum, _tape);
        }
        catch
        {
            // A rejected batch (wrong length, too many rows) must not leave ops on the tape for the next step.
            _tape.Reset();
            throw;
        }
        _steps = step;
        _next = Phase.Backward;
    }

    /// <summary>The second phase: the backward pass over the tape, writing every parameter's gradient.</summary>
    public void Backward()
    {
        Expect(Phase.Backward);
        // ∂L/∂prediction [B, K] → ∂L/∂parameters [P]
        _tape.Backward();
        _next = Phase.Update;
    }

    /// <summary>The third phase: one Adam update of the trainable range with <paramref name="learningRate"/>, then the tape reset.</summary>
    /// <param name="learningRate">Adam α for this step.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="learningRate"/> is negative or not finite; the update stays due.</exception>
    public void Update(float learningRate)
    {
        Expect(Phase.Update);
        var update = AdamFor(_steps, learningRate);
        Apply(update, update);
    }

    private AdamStep AdamFor(long step, float learningRate) => new(step, learningRate, _beta1, _beta2, _epsilon);

    private void Apply(AdamStep head, AdamStep trunk)
    {
        Expect(Phase.Update);
        var parameters = _model.Parameters;
        var backend = _model.Backend;
        var (values, gradients, m, v) = (parameters.Values.View, parameters.Gradients.View, parameters.FirstMoment.View, parameters.SecondMoment.View);
        var end = TrainableOffset + TrainableCount;
        if (head.LearningRate == trunk.LearningRate)
        {
            // parameters, m, v [offset, offset + count) ← Adam(gradients [offset, offset + count)): one launch, as without regularisation
            backend.Adam(values, gradients, m, v, TrainableOffset, TrainableCount, head);
        }
        else
        {
            // trunk [offset, head) at the trunk's rate, head [head, end) at the head's; a zero rate
            // still moves the trunk's moments, so LP-FT's switch finds them warm.
            backend.Adam(values, gradients, m, v, TrainableOffset, HeadOffset - TrainableOffset, trunk);
            backend.Adam(values, gradients, m, v, HeadOffset, end - HeadOffset, head);
        }
        if (_regularization.WeightDecay > 0f)
        {
            // AdamW: p ← p − α·λ·p over each range at its own rate.
            Decay(values.Slice(TrainableOffset, HeadOffset - TrainableOffset), _zeros, trunk.LearningRate * _regularization.WeightDecay);
            Decay(values.Slice(HeadOffset, end - HeadOffset), _zeros, head.LearningRate * _regularization.WeightDecay);
        }
        if (_regularization.SourceDecay > 0f)
        {
            // L2-SP: trunk ← trunk − α·λ·(trunk − trunk₀); the head has no source weights to keep.
            Decay(values.Slice(TrainableOffset, HeadOffset - TrainableOffset), _startingWeights.Slice(TrainableOffset, HeadOffset - TrainableOffset),
                trunk.LearningRate * _regularization.SourceDecay);
        }
        // The gradients stay in the store (the trainer's health check reads the last one); only the record goes.
        _tape.Reset();
        _next = Phase.Forward;
    }

    private void Decay(BufferView range, BufferView anchor, float rate)
    {
        if (range.Length > 0 && rate > 0f)
        {
            _model.Backend.DecayToward(range, anchor.Slice(0, range.Length), rate);
        }
    }

    private void Expect(Phase phase)
    {
        if (_next != phase)
        {
            throw new InvalidOperationException($"{phase} called when {_next} is due: the phases run Forward, Backward, Update.");
        }
    }
}
