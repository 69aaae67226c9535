using System.Globalization;
using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Devices;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Checkpoints;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;
using CrossPropertyILGPU.Network.Training;
using CrossPropertyILGPU.Tests.Shared;

namespace CrossPropertyILGPU.Network.Tests.Reference;

/// <summary>
/// The engine against an implementation it did not write: one training step of a small
/// ElemNet-shaped net (<c>64x4D-32x3D-16x3D-8x3D-8x2-4x1-1</c>, 86 inputs, keep probabilities 1,
/// 32 rows of elemental fractions) computed in PyTorch in float64 by
/// <c>tests/reference/make_elemnet_reference.py</c> and stored, rounded to float32, in
/// <c>tests/reference/elemnet_reference.safetensors</c>: the outputs, the MAE loss, every parameter
/// gradient, and the parameters and Adam moments after one Adam step. The file's conventions are
/// the engine's (its metadata says so): weights [in, out], the loss the batch mean (the engine sums
/// it into its loss buffer, so it is divided by the rows here), Adam with TensorFlow's ε-hat (ε
/// added to the uncorrected √v). Every backend the kernel tests enumerate runs the step; the CUDA
/// ones are Category "Gpu" and ignored without a device.
/// <para>Tolerances are in units of each tensor's scale (its largest magnitude in the file): the
/// engine computes in float32 (unit roundoff u = 6e-8) against float64 values, through 17 dense
/// layers of at most 86-term sums, so a correct step differs by a few u relative to that scale
/// (measured: below 8e-7 of it for every tensor on the CPU backends; each test logs its largest
/// difference). A mislaid weight moves values by a sizeable fraction of the scale
/// (<see cref="Outputs_WithASquareWeightTransposed_AreFarOutOfTolerance"/>), and PyTorch's ε
/// convention misses the Adam tolerance on nearly every parameter
/// (<see cref="ParametersAfterOneAdamStep_PyTorchEpsilonConvention_IsOutOfTolerance"/>).</para>
/// </summary>
[TestFixture(Scalar)]
[TestFixture(Cpu)]
[TestFixture(IlgpuCpu)]
[TestFixture(IlgpuCpuInterleaved)]
[TestFixture(Cuda, Category = "Gpu")]
[TestFixture(CudaCuBlas, Category = "Gpu")]
public sealed class TorchReferenceTests(string backendName)
{
    private const string Scalar = TestBackendFactory.Reference;
    private const string Cpu = TestBackendFactory.Cpu;
    private const string IlgpuCpu = TestBackendFactory.IlgpuCpu;
    private const string IlgpuCpuInterleaved = TestBackendFactory.IlgpuCpuInterleaved;
    private const string Cuda = TestBackendFactory.Cuda;
    private const string CudaCuBlas = TestBackendFactory.CudaCuBlas;

    /// <summary>
    /// Outputs, loss, gradients and first moments: 1e-5 of the tensor's scale (second moments, ∝ g²:
    /// twice that). Float32 sums of ≤ 86 terms per layer, 17 layers deep, stay within a few 1e-7
    /// of the scale (measured on the four CPU backends: outputs ≤ 5.4e-7, gradients ≤ 5.9e-7, loss
    /// 1.8e-7 relative, second moments ≤ 7.9e-7); 1e-5 leaves room for the GPU's other summation
    /// orders and is still ~3·10⁴ times smaller than what a transposed weight does.
    /// </summary>
    private const double ForwardBackwardTolerance = 1e-5;

    /// <summary>
    /// Parameters after the Adam step: 4 float32 ulps of the parameter (the file's value is rounded
    /// once, the engine rounds p − step once; measured max |diff| 5.2e-8 on parameters up to 1.2,
    /// i.e. ≤ 3.6e-7 of a tensor's scale) plus the gradient's tolerance
    /// carried through the step. From zero moments the step is u(g) = α·g/(|g| + ε'), ε' = ε/√(1−β2),
    /// so |du/dg| = α·ε'/(|g| + ε')²: tight where |g| ≫ ε' (u ≈ ±α), up to α/ε' times the gradient
    /// tolerance where g ≈ 0.
    /// </summary>
    private const double AdamUlps = 4;

    private IComputeBackend? _backend;
    private ReferenceFile _file = null!;
    private StepResult _step = null!;

    private IComputeBackend Backend => _backend ?? throw new InvalidOperationException("Set-up did not run.");

    [OneTimeSetUp]
    public void RunTheStepOnce()
    {
        _backend = TestBackendFactory.Create(backendName);
        if (_backend is null)
        {
            Assert.Ignore($"No '{backendName}' device on this machine; these tests run where one exists.");
        }
        _file = ReferenceFile.Load();
        _step = Step(Backend, _file);
    }

    [OneTimeTearDown]
    public void DisposeBackend() => _backend?.Dispose();

    [Test]
    public void File_StatesTheConventionsThisTestAssumes()
    {
        var metadata = _file.Metadata;
        Assert.That(metadata["weight_layout"], Does.StartWith("in,out"));
        Assert.That(metadata["loss"], Does.StartWith("mae: L = mean over rows"));
        Assert.That(metadata["adam"], Does.Contain("TensorFlow epsilon-hat"));
        Assert.That(metadata["keep_probabilities"].Split(',').Distinct(), Is.EqualTo(new[] { "1" }));
    }

    [Test]
    public void Outputs_MatchTorch() =>
        AssertClose("output", _step.Outputs, _file.Tensor("output").Data, ScaleRelative(_file.Tensor("output").Data, ForwardBackwardTolerance));

    [Test]
    public void Loss_MatchesTorch()
    {
        // The engine's loss buffer holds Σ|p − y| over the batch; the file holds the mean.
        var expected = _file.Tensor("loss").Data[0];
        var loss = _step.LossSum / _file.Rows;
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{backendName} loss: engine {loss:R}, torch {expected:R}, |diff| {Math.Abs(loss - expected):E2}"));
        Assert.That(loss, Is.EqualTo(expected).Within(ForwardBackwardTolerance * Math.Abs(expected)));
    }

    [Test]
    public void Gradients_MatchTorch()
    {
        foreach (var entry in _step.Entries)
        {
            var expected = _file.Tensor("grad." + entry.Name).Data;
            AssertClose($"gradient of {entry.Name}", Slice(_step.Gradients, entry), expected, ScaleRelative(expected, ForwardBackwardTolerance));
        }
    }

    [Test]
    public void ParametersAfterOneAdamStep_MatchTorch()
    {
        foreach (var entry in _step.Entries)
        {
            var expected = _file.Tensor("adam.param." + entry.Name).Data;
            AssertClose($"{entry.Name} after Adam", Slice(_step.ParametersAfter, entry), expected, AdamTolerance(entry, expected));
        }
    }

    [Test]
    public void AdamMomentsAfterOneStep_MatchTorch()
    {
        // m = (1 − β1)·g and v = (1 − β2)·g²: the gradients' tolerance, scaled (relative error of g² is twice g's).
        foreach (var entry in _step.Entries)
        {
            var m = _file.Tensor("adam.m." + entry.Name).Data;
            var v = _file.Tensor("adam.v." + entry.Name).Data;
            AssertClose($"first moment of {entry.Name}", Slice(_step.FirstMoment, entry), m, ScaleRelative(m, ForwardBackwardTolerance));
            AssertClose($"second moment of {entry.Name}", Slice(_step.SecondMoment, entry), v, ScaleRelative(v, 2 * ForwardBackwardTolerance));
        }
    }

    /// <summary>
    /// The Adam check tells the ε conventions apart: PyTorch's update p − α·g/(|g| + ε) (ε added to
    /// √v̂; from zero moments m̂ = g, √v̂ = |g|), computed here from the file's parameters and
    /// gradients, falls outside the tolerance for most parameters with a non-zero gradient.
    /// </summary>
    [Test]
    public void ParametersAfterOneAdamStep_PyTorchEpsilonConvention_IsOutOfTolerance()
    {
        var (learningRate, epsilon) = (Hyperparameter(_file, "adam_learning_rate"), Hyperparameter(_file, "adam_epsilon"));
        var (outside, nonZero) = (0, 0);
        foreach (var entry in _step.Entries)
        {
            var before = _file.Tensor("param." + entry.Name).Data;
            var gradient = _file.Tensor("grad." + entry.Name).Data;
            var expected = _file.Tensor("adam.param." + entry.Name).Data;
            var tolerance = AdamTolerance(entry, expected);
            for (var i = 0; i < before.Length; i++)
            {
                if (gradient[i] == 0f)
                {
                    continue;
                }
                nonZero++;
                var pyTorch = before[i] - learningRate * gradient[i] / (Math.Abs(gradient[i]) + epsilon);
                outside += Math.Abs(pyTorch - expected[i]) > tolerance(i) ? 1 : 0;
            }
        }
        TestContext.Out.WriteLine($"{backendName} PyTorch's ε convention: {outside} of {nonZero} parameters with a gradient out of tolerance");
        Assert.That(outside, Is.GreaterThan(nonZero / 2));
    }

    /// <summary>
    /// The test can fail: transposing the 64×64 weight of dense.1 (same shape, so no loader check
    /// catches it) moves the outputs by far more than the tolerance.
    /// </summary>
    [Test]
    public void Outputs_WithASquareWeightTransposed_AreFarOutOfTolerance()
    {
        var transposed = Step(Backend, _file, alter: "dense.1.weight");
        var expected = _file.Tensor("output").Data;
        var tolerance = ScaleRelative(expected, ForwardBackwardTolerance)(0);
        var worst = transposed.Outputs.Select((v, i) => Math.Abs(v - expected[i])).Max();
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{backendName} transposed dense.1.weight: max |output diff| {worst:E2}, tolerance {tolerance:E2}"));
        Assert.That(worst, Is.GreaterThan(100 * tolerance));
    }

    /// <summary>See <see cref="AdamUlps"/>.</summary>
    private Func<int, double> AdamTolerance(ParameterEntry entry, float[] expected)
    {
        var learningRate = Hyperparameter(_file, "adam_learning_rate");
        var epsilonPrime = Hyperparameter(_file, "adam_epsilon") / Math.Sqrt(1 - Hyperparameter(_file, "adam_beta2"));
        var gradient = _file.Tensor("grad." + entry.Name).Data;
        var gradientTolerance = ScaleRelative(gradient, ForwardBackwardTolerance)(0);
        return i =>
        {
            var slope = learningRate * epsilonPrime / Math.Pow(Math.Abs(gradient[i]) + epsilonPrime, 2);
            return AdamUlps * Ulp(expected[i]) + slope * gradientTolerance;
        };
    }

    /// <summary>A hyper-parameter as the engine holds it (float32), widened.</summary>
    private static double Hyperparameter(ReferenceFile file, string key) => float.Parse(file.Metadata[key], CultureInfo.InvariantCulture);


    /// <summary>Forward (training mode), MAE loss, backward and one Adam step from the file's parameters and batch.</summary>
    /// <param name="backend">Where to run.</param>
    /// <param name="file">The reference.</param>
    /// <param name="alter">A square weight to transpose on the way in (the deliberate fault), or null.</param>
    private static StepResult Step(IComputeBackend backend, ReferenceFile file, string? alter = null)
    {
        var keep = file.Metadata["keep_probabilities"].Split(',').Select(k => float.Parse(k, CultureInfo.InvariantCulture)).ToArray();
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse(file.Metadata["architecture"]), keep);
        using var model = new Sequential(backend, file.InputWidth, layers, maxRows: file.Rows);
        var parameters = model.Parameters;
        var values = new float[parameters.Count];
        foreach (var entry in parameters.Entries)
        {
            var tensor = file.Tensor("param." + entry.Name);
            var bias = entry.Name.EndsWith(".bias", StringComparison.Ordinal);
            Assert.That(tensor.Shape, Is.EqualTo(bias ? new[] { entry.Columns } : new[] { entry.Rows, entry.Columns }), $"{entry.Name}: [in, out] in the file and the engine");
            var data = entry.Name == alter ? Transpose(tensor.Data, entry.Rows) : tensor.Data;
            data.CopyTo(values, entry.Offset);
        }
        parameters.UploadValues(values);

        using var x = backend.Allocate(file.Rows * file.InputWidth);
        using var y = backend.Allocate(file.Rows);
        using var lossSum = backend.Allocate(1);
        backend.Upload(x.View, file.Tensor("input").Data);
        backend.Upload(y.View, file.Tensor("target").Data);
        backend.Fill(lossSum.View, 0f);

        float Hyper(string key) => (float)Hyperparameter(file, key);
        // The production step, one phase at a time so the gradients can be read before the update.
        // Training mode, so the dropout layers run (keep probability 1: the identity) as in training.
        var step = new TrainingStep(model, LossKind.Mae, beta1: Hyper("adam_beta1"), beta2: Hyper("adam_beta2"), epsilon: Hyper("adam_epsilon"));
        step.Forward(x.View, y.View, file.Rows, lossSum.View);
        step.Backward();
        var outputs = new float[file.Rows];
        backend.Download(model.DenseLayers[^1].Output.Value, outputs);
        var loss = new float[1];
        backend.Download(lossSum.View, loss);
        var gradients = new float[parameters.Count];
        backend.Download(parameters.Gradients.View, gradients);
        step.Update(Hyper("adam_learning_rate"));
        var firstMoment = new float[parameters.Count];
        var secondMoment = new float[parameters.Count];
        backend.Download(parameters.FirstMoment.View, firstMoment);
        backend.Download(parameters.SecondMoment.View, secondMoment);
        return new StepResult([.. parameters.Entries], outputs, loss[0], gradients, parameters.DownloadValues(), firstMoment, secondMoment);
    }

    private static float[] Transpose(float[] square, int n)
    {
        var result = new float[square.Length];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                result[j * n + i] = square[i * n + j];
            }
        }
        return result;
    }

    private static float[] Slice(float[] flat, ParameterEntry entry) => flat.AsSpan(entry.Offset, entry.Length).ToArray();

    /// <summary>A fixed tolerance of <paramref name="fraction"/> × max|expected| (the tensor's scale).</summary>
    private static Func<int, double> ScaleRelative(float[] expected, double fraction)
    {
        var scale = expected.Max(v => Math.Abs((double)v));
        return _ => fraction * scale;
    }

    /// <summary>The spacing of float32 values at |v|.</summary>
    private static double Ulp(float v) => MathF.BitIncrement(MathF.Abs(v)) - MathF.Abs(v);

    /// <summary>|actual − expected| ≤ tolerance(i) for every i; logs the largest difference (relative to the tensor's scale).</summary>
    private void AssertClose(string what, float[] actual, float[] expected, Func<int, double> tolerance)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        var scale = expected.Max(v => Math.Abs((double)v));
        var (worst, worstAt, failures, firstFailure) = (0.0, 0, 0, -1);
        for (var i = 0; i < actual.Length; i++)
        {
            var error = Math.Abs((double)actual[i] - expected[i]);
            if (!(error <= tolerance(i)))
            {
                failures++;
                firstFailure = firstFailure < 0 ? i : firstFailure;
            }
            if (error > worst)
            {
                (worst, worstAt) = (error, i);
            }
        }
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{backendName} {what}: max |diff| {worst:E2} at [{worstAt}] ({(scale > 0 ? worst / scale : 0):E2} of scale {scale:E2})"));
        if (failures > 0)
        {
            Assert.Fail(string.Create(CultureInfo.InvariantCulture,
                $"{what}: {failures} of {actual.Length} values out of tolerance; first at [{firstFailure}]: engine {actual[firstFailure]:R}, torch {expected[firstFailure]:R}, tolerance {tolerance(firstFailure):E2}; max |diff| {worst:E2}."));
        }
    }

    private sealed record StepResult(
        IReadOnlyList<ParameterEntry> Entries, float[] Outputs, float LossSum, float[] Gradients,
        float[] ParametersAfter, float[] FirstMoment, float[] SecondMoment);

    /// <summary>The committed reference file, found from the repository root whatever the working directory.</summary>
    private sealed class ReferenceFile
    {
        private readonly Dictionary<string, NamedTensor> _tensors;

        private ReferenceFile(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string> metadata)
        {
            _tensors = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
            Metadata = metadata;
            Rows = int.Parse(metadata["rows"], CultureInfo.InvariantCulture);
            InputWidth = int.Parse(metadata["input_width"], CultureInfo.InvariantCulture);
        }

        public IReadOnlyDictionary<string, string> Metadata { get; }

        public int Rows { get; }

        public int InputWidth { get; }

        public static ReferenceFile Load()
        {
            var (tensors, metadata) = SafeTensors.Read(Path.Combine(RepositoryFiles.Root(), "tests", "reference", "elemnet_reference.safetensors"));
            return new ReferenceFile(tensors, metadata);
        }

        public NamedTensor Tensor(string name) => _tensors.TryGetValue(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"elemnet_reference.safetensors has no tensor '{name}'.");
    }
}
