using CrossPropertyILGPU.Autograd;
using CrossPropertyILGPU.Autograd.Ops;
using CrossPropertyILGPU.Kernels.Backends;
using CrossPropertyILGPU.Kernels.Ops;
using CrossPropertyILGPU.Network.Layers;
using CrossPropertyILGPU.Network.Spec;

namespace CrossPropertyILGPU.Network.Tests;

public sealed class SequentialTests : NetworkTestBase
{
    [Test]
    public void ElemNet_OnElementalFractions_Has4631361Parameters()
    {
        var layers = ElemNetLayers.Build(ElemNetSpec.Parse(ElemNetSpec.Default), ElemNetSpec.DefaultKeepProbabilities);
        using var model = new Sequential(Backend, 86, layers, maxRows: 2);
        // docs/PAPER.md §1: 4,631,361 trainable parameters.
        Assert.That(model.Parameters.Count, Is.EqualTo(4_631_361));
        Assert.That(model.DenseLayers, Has.Count.EqualTo(17));
        var entries = model.Parameters.Entries;
        Assert.That(entries[0], Is.EqualTo(new ParameterEntry("dense.0.weight", 86, 1024, 0)));
        for (var i = 1; i < entries.Count; i++)
        {
            Assert.That(entries[i].Offset, Is.EqualTo(entries[i - 1].Offset + entries[i - 1].Length), "contiguous, input side first");
        }
    }

    [Test]
    public void InitializeGlorotUniform_WeightsWithinLimitBiasesZero_Seeded()
    {
        using var model = new Sequential(Backend, 10, [new DenseSpec(20, true), new DenseSpec(1, false)], maxRows: 4);
        model.InitializeGlorotUniform(seed: 3);
        var values = model.Parameters.DownloadValues();
        var weight = model.Parameters.Entry("dense.0.weight");
        var limit = Math.Sqrt(6.0 / (10 + 20));
        var w = values.AsSpan(weight.Offset, weight.Length).ToArray();
        Assert.That(w, Is.All.InRange(-limit, limit));
        // Uniform on ±limit has standard deviation limit/√3; 200 draws land well within 20 % of it.
        var std = Math.Sqrt(w.Select(v => (double)v * v).Average());
        Assert.That(std, Is.EqualTo(limit / Math.Sqrt(3)).Within(20).Percent);
        var bias = model.Parameters.Entry("dense.0.bias");
        Assert.That(values.AsSpan(bias.Offset, bias.Length).ToArray(), Is.All.Zero);
        model.InitializeGlorotUniform(seed: 3);
        Assert.That(model.Parameters.DownloadValues(), Is.EqualTo(values).AsCollection, "same seed, same weights");
    }

    /// <summary>
    /// The whole net's gradient: for a 4 → 5 (ReLU) → dropout(0.7) → 3 (ReLU) → 1 net with an MSE
    /// loss, every parameter's gradient from the tape matches central differences of the same loss
    /// evaluated in double with the same dropout mask (h = 1e-6; pre-activations near a ReLU kink
    /// would spoil a difference, and none lies within h of zero for this seed).
    /// </summary>
    [Test]
    public void Backward_WholeNetGradient_MatchesFiniteDifferences()
    {
        const int rows = 6, width = 4;
        const ulong step = 11;
        LayerSpec[] layers = [new DenseSpec(5, true), new DropoutSpec(0.7f), new DenseSpec(3, true), new DenseSpec(1, false)];
        using var model = new Sequential(Backend, width, layers, maxRows: rows, dropoutSeed: 99);
        model.InitializeGlorotUniform(seed: 5);
        var data = Synthetic(rows, width, seed: 1);
        using var x = Backend.Allocate(rows * width);
        using var y = Backend.Allocate(rows);
        using var lossSum = Backend.Allocate(1);
        Backend.Upload(x.View, data.Features);
        Backend.Upload(y.View, data.Targets);

        var tape = new Tape(Backend);
        var prediction = model.Forward(x.View, rows, new ForwardContext(tape, true, step));
        new LossOp(LossKind.Mse).Forward(Backend, prediction, y.View, lossSum.View, tape);
        tape.Backward();
        var gradient = new float[model.Parameters.Count];
        Backend.Download(model.Parameters.Gradients.View, gradient);

        var parameters = model.Parameters.DownloadValues().Select(v => (double)v).ToArray();
        var dropoutKey = DropoutMask.Key(((Dropout)model.Layers[1]).Seed, step);
        double Loss(double[] p) => DoubleLoss(p, model, data, dropoutKey, 0.7);
        for (var i = 0; i < parameters.Length; i++)
        {
            const double h = 1e-6;
            var saved = parameters[i];
            parameters[i] = saved + h;
            var plus = Loss(parameters);
            parameters[i] = saved - h;
            var minus = Loss(parameters);
            parameters[i] = saved;
            var fd = (plus - minus) / (2 * h);
            // The tape runs in float32: ~1e-6 relative to the gradient scale (≤ ~10 here).
            Assert.That(gradient[i], Is.EqualTo(fd).Within(2e-5 + 1e-4 * Math.Abs(fd)), $"parameter {i}");
        }
    }

    /// <summary>
    /// Three outputs and the masked loss: targets with unlabelled (NaN) entries, one target wholly
    /// unlabelled in the batch; every parameter's gradient against central differences of the
    /// double-precision masked MSE (the loss the kernel documents).
    /// </summary>
    [Test]
    public void Backward_ThreeOutputsMaskedLoss_MatchesFiniteDifferences()
    {
        const int rows = 7, width = 4, outputs = 3;
        const ulong step = 5;
        LayerSpec[] layers = [new DenseSpec(6, true), new DropoutSpec(0.8f), new DenseSpec(outputs, false)];
        using var model = new Sequential(Backend, width, layers, maxRows: rows, dropoutSeed: 7);
        model.InitializeGlorotUniform(seed: 6);
        var features = Synthetic(rows, width, seed: 2).Features;
        var random = new Random(3);
        var targets = new float[rows * outputs];
        for (var i = 0; i < targets.Length; i++)
        {
            // Target 2 unlabelled throughout; about a third of the others unlabelled.
            targets[i] = i % outputs == 2 || random.Next(3) == 0 ? float.NaN : random.NextSingle();
        }
        var data = new CrossPropertyILGPU.Network.Training.DataMatrix(features, targets, width, outputs);
        using var x = Backend.Allocate(rows * width);
        using var y = Backend.Allocate(rows * outputs);
        using var lossSum = Backend.Allocate(outputs);
        Backend.Upload(x.View, data.Features);
        Backend.Upload(y.View, data.Targets);

        var tape = new Tape(Backend);
        var prediction = model.Forward(x.View, rows, new ForwardContext(tape, true, step));
        new LossOp(LossKind.Mse).Forward(Backend, prediction, y.View, lossSum.View, tape);
        tape.Backward();
        var gradient = new float[model.Parameters.Count];
        Backend.Download(model.Parameters.Gradients.View, gradient);
        Assert.That(gradient.All(float.IsFinite), Is.True);

        var parameters = model.Parameters.DownloadValues().Select(v => (double)v).ToArray();
        var dropoutKey = DropoutMask.Key(((Dropout)model.Layers[1]).Seed, step);
        double Loss(double[] p) => DoubleLoss(p, model, data, dropoutKey, 0.8);
        var output = model.Parameters.Entry("dense.1.weight");
        for (var i = 0; i < parameters.Length; i++)
        {
            const double h = 1e-6;
            var saved = parameters[i];
            parameters[i] = saved + h;
            var plus = Loss(parameters);
            parameters[i] = saved - h;
            var minus = Loss(parameters);
            parameters[i] = saved;
            var fd = (plus - minus) / (2 * h);
            Assert.That(gradient[i], Is.EqualTo(fd).Within(2e-5 + 1e-4 * Math.Abs(fd)), $"parameter {i}");
        }
        // The wholly unlabelled target's output weights get exactly zero gradient.
        for (var i = 0; i < output.Rows; i++)
        {
            Assert.That(gradient[output.Offset + i * outputs + 2], Is.EqualTo(0f), $"weight {i}→2");
        }
    }

    [Test]
    public void Forward_Inference_IgnoresDropoutAndIsRepeatable_TrainingDrawsMasksPerStep()
    {
        LayerSpec[] layers = [new DenseSpec(16, true), new DropoutSpec(0.5f), new DenseSpec(1, false)];
        using var model = new Sequential(Backend, 4, layers, maxRows: 8);
        model.InitializeGlorotUniform(seed: 1);
        var features = Synthetic(8, 4, seed: 2).Features;
        var first = model.Predict(features, 8);
        Assert.That(model.Predict(features, 8), Is.EqualTo(first).AsCollection, "inference is deterministic");

        using var x = Backend.Allocate(features.Length);
        Backend.Upload(x.View, features);
        float[] Train(ulong step)
        {
            var output = model.Forward(x.View, 8, new ForwardContext(null, true, step));
            var host = new float[8];
            Backend.Download(output.Value, host);
            return host;
        }
        Assert.That(Train(1), Is.Not.EqualTo(first).AsCollection, "training applies dropout");
        var again = Train(1);
        Assert.That(Train(1), Is.EqualTo(again).AsCollection, "same step, same mask");
        Assert.That(Train(2), Is.Not.EqualTo(again).AsCollection, "next step, new mask");
    }

    [Test]
    public void TrainableRange_FreezingLeadingLayers_IsTheTail()
    {
        using var model = new Sequential(Backend, 4, [new DenseSpec(3, true), new DenseSpec(2, true), new DenseSpec(1, false)], maxRows: 2);
        Assert.That(model.TrainableRange(0), Is.EqualTo((0, model.Parameters.Count)));
        // dense.0 holds 4·3 + 3 = 15 floats.
        Assert.That(model.TrainableRange(1), Is.EqualTo((15, model.Parameters.Count - 15)));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.TrainableRange(3));
    }

    /// <summary>The net evaluated in double from a flat parameter vector: the definition the tape must differentiate.</summary>
    private static double DoubleLoss(double[] p, Sequential model, CrossPropertyILGPU.Network.Training.DataMatrix data, ulong dropoutKey, double keep)
    {
        var threshold = DropoutMask.Threshold((float)keep);
        var total = 0.0;
        var outputs = data.Outputs;
        var (sums, labelled) = (new double[outputs], new int[outputs]);
        for (var row = 0; row < data.Count; row++)
        {
            var activation = data.Features.AsSpan(row * data.Width, data.Width).ToArray().Select(v => (double)v).ToArray();
            var denseIndex = 0;
            foreach (var layer in model.Layers)
            {
                if (layer is Dense dense)
                {
                    var w = model.Parameters.Entry($"dense.{denseIndex}.weight");
                    var b = model.Parameters.Entry($"dense.{denseIndex}.bias");
                    var next = new double[w.Columns];
                    for (var j = 0; j < w.Columns; j++)
                    {
                        var sum = p[b.Offset + j];
                        for (var i = 0; i < w.Rows; i++)
                        {
                            sum += activation[i] * p[w.Offset + i * w.Columns + j];
                        }
                        next[j] = dense.Relu ? Math.Max(sum, 0) : sum;
                    }
                    activation = next;
                    denseIndex++;
                }
                else if (layer is Dropout)
                {
                    var width = activation.Length;
                    for (var j = 0; j < width; j++)
                    {
                        activation[j] = DropoutMask.Keeps(dropoutKey, row * width + j, threshold) ? activation[j] / keep : 0;
                    }
                }
            }
            for (var k = 0; k < outputs; k++)
            {
                var target = data.Targets[row * outputs + k];
                if (!float.IsNaN(target))
                {
                    var error = activation[k] - target;
                    sums[k] += error * error;
                    labelled[k]++;
                }
            }
        }
        // The masked loss: mean over targets of each target's mean over its labelled rows.
        for (var k = 0; k < outputs; k++)
        {
            total += labelled[k] == 0 ? 0 : sums[k] / labelled[k];
        }
        return total / outputs;
    }
}
