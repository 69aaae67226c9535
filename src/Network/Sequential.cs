using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Network;

/// <summary>
/// A stack of layers with all its memory allocated once: the flat <see cref="ParameterStore"/> and
/// an activation arena (values and gradients) sized for <see cref="MaxRows"/> rows. Dense layers'
/// parameters are named <c>dense.{i}.weight</c> [in, out] and <c>dense.{i}.bias</c> [1, out], i
/// counting dense layers from 0 on the input side.
/// </summary>
public sealed class Sequential : IDisposable
{
    private readonly DeviceBuffer _activations;
    private readonly DeviceBuffer _activationGradients;
    private readonly BufferView _inputStorage;
    private readonly ILayer[] _layers;
    private readonly Dense[] _dense;

    /// <summary>Builds the stack on <paramref name="backend"/> for inputs of <paramref name="inputWidth"/> features.</summary>
    /// <param name="backend">Where the model lives.</param>
    /// <param name="inputWidth">Features per sample (86 for elemental fractions).</param>
    /// <param name="layers">The layers, input side first; the last must be a dense layer.</param>
    /// <param name="maxRows">Largest batch the model will see (training batch or inference chunk).</param>
    /// <param name="dropoutSeed">Seeds the dropout masks (each layer derives its own key).</param>
    public Sequential(IComputeBackend backend, int inputWidth, IReadOnlyList<LayerSpec> layers, int maxRows, ulong dropoutSeed = (ulong)Training.TrainerOptions.DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRows, 1);
        if (layers.Count == 0 || layers[^1] is not DenseSpec)
        {
            throw new ArgumentException("The stack must end with a dense layer.", nameof(layers));
        }
        Backend = backend;
        InputWidth = inputWidth;
        MaxRows = maxRows;
        LayerSpecs = layers;

        var (widths, shapes) = LayOut(inputWidth, layers);
        var width = widths[^1];
        var denseIndex = 0;
        OutputWidth = width;
        Parameters = new ParameterStore(backend, shapes);

        // One arena for the input and every layer output; one for their gradients.
        var valueFloats = (long)maxRows * (inputWidth + widths.Sum());
        var gradientFloats = (long)maxRows * widths.Sum();
        _activations = backend.Allocate(checked((int)valueFloats));
        _activationGradients = backend.Allocate(checked((int)gradientFloats));
        _inputStorage = _activations.Slice(0, maxRows * inputWidth);
        Input = new Tensor("input", _inputStorage, null, maxRows, inputWidth);

        _layers = new ILayer[layers.Count];
        var dense = new List<Dense>();
        var valueOffset = maxRows * inputWidth;
        var gradientOffset = 0;
        denseIndex = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            var size = maxRows * widths[i];
            var output = new Tensor($"layer.{i}.out", _activations.Slice(valueOffset, size), _activationGradients.Slice(gradientOffset, size), maxRows, widths[i]);
            valueOffset += size;
            gradientOffset += size;
            _layers[i] = layers[i] switch
            {
                DenseSpec d => AddDense(d, output),
                DropoutSpec d => new Dropout(backend, $"dropout.{i}", output, d.KeepProbability, DropoutMask.Mix(dropoutSeed + (ulong)i)),
                _ => throw new ArgumentException($"Unknown layer spec {layers[i]}.", nameof(layers)),
            };
        }
        _dense = [.. dense];

        Dense AddDense(DenseSpec spec, Tensor output)
        {
            var layer = new Dense(backend, $"dense.{denseIndex}",
                Parameters.Tensor($"dense.{denseIndex}.weight"), Parameters.Tensor($"dense.{denseIndex}.bias"), output, spec.Relu);
            denseIndex++;
            dense.Add(layer);
            return layer;
        }
    }

    /// <summary>
    /// The size of the stack on <paramref name="inputWidth"/> inputs without building it: its
    /// parameter count and the activation floats one row needs (every layer's output). Memory
    /// estimates use it, so they count exactly what the constructor allocates. Counted in checked
    /// long arithmetic: a stack read from a file can claim more than any buffer holds, and that is
    /// an <see cref="OverflowException"/> here, never a wrapped count.
    /// </summary>
    /// <exception cref="OverflowException">The count does not fit in a long.</exception>
    public static (long Parameters, long ActivationsPerRow) Measure(int inputWidth, IReadOnlyList<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var (widths, shapes) = LayOut(inputWidth, layers);
        long parameters = 0;
        long activations = 0;
        checked
        {
            foreach (var (_, rows, columns) in shapes)
            {
                parameters += (long)rows * columns;
            }
            foreach (var width in widths)
            {
                activations += width;
            }
        }
        return (parameters, activations);
    }

    /// <summary>
    /// The parameter tensors the stack on <paramref name="inputWidth"/> inputs has, in layout order
    /// (name, rows, columns), without building it: what a weights file must hold.
    /// </summary>
    public static IReadOnlyList<(string Name, int Rows, int Columns)> ParameterShapes(int inputWidth, IReadOnlyList<LayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        return LayOut(inputWidth, layers).Shapes;
    }

    // Each layer's output width and the parameter shapes (name, rows, columns), walking the stack once.
    private static (int[] Widths, List<(string Name, int Rows, int Columns)> Shapes) LayOut(int inputWidth, IReadOnlyList<LayerSpec> layers)
    {
        var widths = new int[layers.Count];
        var shapes = new List<(string Name, int Rows, int Columns)>();
        var width = inputWidth;
        var denseIndex = 0;
        for (var i = 0; i < layers.Count; i++)
        {
            if (layers[i] is DenseSpec denseSpec)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(denseSpec.Units, 1, nameof(layers));
                shapes.Add(($"dense.{denseIndex}.weight", width, denseSpec.Units));
                shapes.Add(($"dense.{denseIndex}.bias", 1, denseSpec.Units));
                width = denseSpec.Units;
                denseIndex++;
            }
            widths[i] = width;
        }
        return (widths, shapes);
    }

    /// <summary>The backend the model lives on.</summary>
    public IComputeBackend Backend { get; }

    /// <summary>Features per sample.</summary>
    public int InputWidth { get; }

    /// <summary>Outputs per sample.</summary>
    public int OutputWidth { get; }

    /// <summary>Largest batch.</summary>
    public int MaxRows { get; }

    /// <summary>The layer specs the model was built from.</summary>
    public IReadOnlyList<LayerSpec> LayerSpecs { get; }

    /// <summary>Layers, input side first.</summary>
    public IReadOnlyList<ILayer> Layers => _layers;

    /// <summary>The dense layers, input side first.</summary>
    public IReadOnlyList<Dense> DenseLayers => _dense;

    /// <summary>All trainable parameters.</summary>
    public ParameterStore Parameters { get; }

    /// <summary>The input tensor (gradient-free); attach data rows to it or use <see cref="Predict"/>.</summary>
    public Tensor Input { get; }

    /// <summary>Runs the stack on <paramref name="rows"/> samples found in <paramref name="inputRows"/> (rows × InputWidth floats on the same backend).</summary>
    public Tensor Forward(BufferView inputRows, int rows, ForwardContext context)
    {
        Input.Attach(inputRows, rows);
        Tensor current = Input;
        foreach (var layer in _layers)
        {
            current = layer.Forward(current, context);
        }
        return current;
    }

    /// <summary>
    /// Glorot-uniform weights (limit √(6/(fan_in+fan_out)), Keras's default kernel initialiser, which
    /// ElemNet used) and zero biases, from a seeded generator; Adam's moments are reset.
    /// </summary>
    public void InitializeGlorotUniform(int seed)
    {
        var random = new Random(seed);
        var values = new float[Parameters.Count];
        foreach (var entry in Parameters.Entries)
        {
            if (!(entry.Rows == 1 && entry.Name.EndsWith(".bias", StringComparison.Ordinal)))
            {
                FillGlorotUniform(values, entry, random); // biases stay zero
            }
        }
        Parameters.UploadValues(values);
    }

    /// <summary>
    /// Re-initialises dense layer <paramref name="denseIndex"/> (Glorot-uniform weights, zero bias) and
    /// leaves every other parameter as it is: ModFineTune's fresh output layer.
    /// </summary>
    public void ReinitializeDense(int denseIndex, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(denseIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(denseIndex, _dense.Length);
        var values = Parameters.DownloadValues();
        var weight = Parameters.Entry($"dense.{denseIndex}.weight");
        var bias = Parameters.Entry($"dense.{denseIndex}.bias");
        FillGlorotUniform(values, weight, new Random(seed));
        Array.Clear(values, bias.Offset, bias.Length);
        Parameters.UploadValues(values);
    }

    private static void FillGlorotUniform(float[] values, ParameterEntry weight, Random random)
    {
        var limit = Math.Sqrt(6.0 / (weight.Rows + weight.Columns));
        for (var i = 0; i < weight.Length; i++)
        {
            values[weight.Offset + i] = (float)((2.0 * random.NextDouble() - 1.0) * limit);
        }
    }

    /// <summary>
    /// The parameter range Adam updates when the first <paramref name="frozenDenseLayers"/> dense
    /// layers are frozen: parameters are laid out input side first, so it is one contiguous tail.
    /// </summary>
    public (int Offset, int Count) TrainableRange(int frozenDenseLayers)
    {
        if (frozenDenseLayers < 0 || frozenDenseLayers >= _dense.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(frozenDenseLayers), frozenDenseLayers,
                $"Between 0 and {_dense.Length - 1} of the {_dense.Length} dense layers can be frozen.");
        }
        if (frozenDenseLayers == 0)
        {
            return (0, Parameters.Count);
        }
        var offset = Parameters.Entry($"dense.{frozenDenseLayers}.weight").Offset;
        return (offset, Parameters.Count - offset);
    }

    /// <summary>Predictions for <paramref name="count"/> samples (count × InputWidth floats, row-major), in chunks of <see cref="MaxRows"/>.</summary>
    public float[] Predict(ReadOnlySpan<float> features, int count)
    {
        if (features.Length != (long)count * InputWidth)
        {
            throw new ArgumentException($"{count} samples × {InputWidth} features need {count * InputWidth} floats; got {features.Length}.", nameof(features));
        }
        var predictions = new float[(long)count * OutputWidth];
        for (var start = 0; start < count; start += MaxRows)
        {
            var rows = Math.Min(MaxRows, count - start);
            var chunk = _inputStorage.Slice(0, rows * InputWidth);
            Backend.Upload(chunk, features.Slice(start * InputWidth, rows * InputWidth));
            var output = Forward(chunk, rows, ForwardContext.Inference);
            Backend.Download(output.Value, predictions.AsSpan(start * OutputWidth, rows * OutputWidth));
        }
        return predictions;
    }

    /// <summary>
    /// Activations of the dense layers <paramref name="denseIndices"/> (0-based, after their ReLU)
    /// for <paramref name="count"/> samples in inference mode: one array of count × width per layer,
    /// in the order asked. This is feature extraction: a pretrained network's hidden layers as
    /// descriptors for other models.
    /// </summary>
    public IReadOnlyList<float[]> Activations(ReadOnlySpan<float> features, int count, IReadOnlyList<int> denseIndices)
    {
        ArgumentNullException.ThrowIfNull(denseIndices);
        if (features.Length != (long)count * InputWidth)
        {
            throw new ArgumentException($"{count} samples × {InputWidth} features need {count * InputWidth} floats; got {features.Length}.", nameof(features));
        }
        foreach (var index in denseIndices)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index, nameof(denseIndices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _dense.Length, nameof(denseIndices));
        }
        var results = denseIndices.Select(i => new float[(long)count * _dense[i].OutputWidth]).ToArray();
        for (var start = 0; start < count; start += MaxRows)
        {
            var rows = Math.Min(MaxRows, count - start);
            var chunk = _inputStorage.Slice(0, rows * InputWidth);
            Backend.Upload(chunk, features.Slice(start * InputWidth, rows * InputWidth));
            Forward(chunk, rows, ForwardContext.Inference);
            for (var j = 0; j < denseIndices.Count; j++)
            {
                var layer = _dense[denseIndices[j]];
                Backend.Download(layer.Output.Value, results[j].AsSpan(start * layer.OutputWidth, rows * layer.OutputWidth));
            }
        }
        return results;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Parameters.Dispose();
        _activations.Dispose();
        _activationGradients.Dispose();
    }
}
