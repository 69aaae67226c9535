using CrossPropertyILGPU.Autograd;

namespace CrossPropertyILGPU.Network.Layers;

/// <summary>Per-call state of a forward pass.</summary>
/// <param name="Tape">Records ops for backward; null for inference.</param>
/// <param name="IsTraining">Dropout is active only in training.</param>
/// <param name="Step">Training step counter: keys the dropout masks.</param>
public readonly record struct ForwardContext(Tape? Tape, bool IsTraining, ulong Step)
{
    /// <summary>Inference: no tape, no dropout.</summary>
    public static ForwardContext Inference => new(null, false, 0);
}

/// <summary>A layer: maps an input tensor to its (preallocated) output tensor.</summary>
public interface ILayer
{
    /// <summary>Name for messages, e.g. <c>dense.3</c>.</summary>
    string Name { get; }

    /// <summary>Input row width.</summary>
    int InputWidth { get; }

    /// <summary>Output row width.</summary>
    int OutputWidth { get; }

    /// <summary>Runs the layer on <paramref name="input"/> (its rows are the batch).</summary>
    Tensor Forward(Tensor input, ForwardContext context);
}
