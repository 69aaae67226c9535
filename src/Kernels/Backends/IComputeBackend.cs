using CrossPropertyILGPU.Kernels.Devices;

namespace CrossPropertyILGPU.Kernels.Backends;

/// <summary>
/// The coarse ops every compute backend provides: what Autograd and the trainer call. Row-major
/// throughout; a dense layer's weight is stored [in, out] (Keras kernel layout), so the forward
/// product is Y[M,N] = X[M,K]·W[K,N] with M = batch, K = in-features, N = out-features.
/// <para>
/// Every op validates its shapes and views on the host before anything runs on the device and
/// throws <see cref="ArgumentException"/> (or a subclass) on a mismatch: an out-of-bounds access
/// inside an ILGPU kernel on the CPU accelerator aborts the whole process, so it must never be
/// reached. Ops are asynchronous on GPU backends; <see cref="Download"/> and
/// <see cref="Synchronize"/> wait.
/// </para>
/// <para>
/// Backward ops take <c>accumulate</c>: false overwrites the gradient, true adds to it (a tensor
/// used twice receives both contributions; the first writer overwrites, so no zero-fill is needed).
/// </para>
/// </summary>
public interface IComputeBackend : IDisposable
{
    /// <summary>What this backend runs on.</summary>
    DeviceInfo Device { get; }

    /// <summary>Allocates a zero-initialised buffer of <paramref name="length"/> floats.</summary>
    DeviceBuffer Allocate(int length);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (same length).</summary>
    void Upload(BufferView destination, ReadOnlySpan<float> source);

    /// <summary>Waits for pending work, then copies <paramref name="source"/> to host memory (same length).</summary>
    void Download(BufferView source, Span<float> destination);

    /// <summary>Waits until every op issued so far has finished.</summary>
    void Synchronize();

    // ---- dense layer -------------------------------------------------------------------------

    /// <summary>y[M,N] = x[M,K]·w[K,N] + b[N], then ReLU when <paramref name="relu"/> is true.</summary>
    void DenseForward(BufferView x, BufferView w, BufferView b, BufferView y, int batch, int inFeatures, int outFeatures, bool relu);

    /// <summary>dx[M,K] (+)= dy[M,N]·wᵀ (w is [K,N]).</summary>
    void DenseBackwardInput(BufferView dy, BufferView w, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate);

    /// <summary>dw[K,N] (+)= xᵀ·dy (x is [M,K], dy is [M,N]).</summary>
    void DenseBackwardWeight(BufferView x, BufferView dy, BufferView dw, int batch, int inFeatures, int outFeatures, bool accumulate);

    /// <summary>db[N] (+)= Σ over the batch of dy[M,N].</summary>
    void DenseBackwardBias(BufferView dy, BufferView db, int batch, int outFeatures, bool accumulate);

    /// <summary>
    /// dx[M,K] = [mask &gt; 0] ⊙ (dx (if accumulating) + dy[M,N]·wᵀ): the input gradient with the
    /// backward ReLU of the layer that produced x fused in (mask is that layer's output, x itself),
    /// so a ReLU layer's backward costs no launch of its own. The mask applies to the whole result;
    /// masking is idempotent, so earlier contributions already masked are unchanged.
    /// </summary>
    void DenseBackwardInputMasked(BufferView dy, BufferView w, BufferView mask, BufferView dx, int batch, int inFeatures, int outFeatures, bool accumulate);

    /// <summary>
    /// dw[K,N] (+)= xᵀ·dy and db[N] (+)= Σ over the batch of dy[M,N] in one op (the ILGPU backend
    /// computes both with one GEMM: xᵀ with an extra row of ones).
    /// </summary>
    void DenseBackwardParameters(BufferView x, BufferView dy, BufferView dw, BufferView db, int batch, int inFeatures, int outFeatures, bool accumulateWeight, bool accumulateBias);

    // ---- ReLU ----------------------------------------------------------------------------------

    /// <summary>dx[i] (+)= y[i] &gt; 0 ? dy[i] : 0, where y is the forward output.</summary>
    void ReluBackward(BufferView y, BufferView dy, BufferView dx, bool accumulate);

    // ---- dropout -------------------------------------------------------------------------------

    /// <summary>
    /// Inverted dropout: y[i] = keep(i) ? x[i] / keepProbability : 0, where keep(i) comes from a
    /// counter-based hash of (seed, trainingStep, i) — see <see cref="Ops.DropoutMask"/> — so the mask is
    /// reproducible and the backward pass recomputes it instead of storing it.
    /// </summary>
    void DropoutForward(BufferView x, BufferView y, float keepProbability, ulong seed, ulong trainingStep);

    /// <summary>dx[i] (+)= keep(i) ? dy[i] / keepProbability : 0 with the same mask as the forward.</summary>
    void DropoutBackward(BufferView dy, BufferView dx, float keepProbability, ulong seed, ulong trainingStep, bool accumulate);

    // ---- losses --------------------------------------------------------------------------------

    /// <summary>
    /// The masked regression loss over K = <paramref name="outputs"/> targets (see
    /// <see cref="Ops.LossKernels"/>): prediction, target and grad are [n, K] row-major, lossSum is [K].
    /// A NaN target is unlabelled and contributes nothing. Writes grad = ∂L/∂prediction for the batch
    /// loss L = (1/K) Σ_k (1/n_k) Σ_{i labelled for k} l(prediction[i,k] − target[i,k]) (n_k = the
    /// labelled rows of target k; a target with none contributes 0) and adds each target's
    /// un-normalised sum Σ_{i labelled for k} l(...) to lossSum[k], so an epoch's mean loss is read
    /// back once per epoch. For K = 1 with every row labelled, L = (1/n) Σ l(prediction[i] − target[i]).
    /// </summary>
    void Loss(LossKind kind, BufferView prediction, BufferView target, BufferView grad, BufferView lossSum, int outputs = 1);

    // ---- optimiser -----------------------------------------------------------------------------

    /// <summary>
    /// One Adam step (Keras/TF formulation, bias correction folded into the step size) over
    /// parameters[offset .. offset+count) of the flat parameter buffer, with gradients and the two
    /// moment buffers in the same layout. Parameters outside the range (frozen layers) are untouched.
    /// </summary>
    void Adam(BufferView parameters, BufferView gradients, BufferView firstMoment, BufferView secondMoment, int offset, int count, AdamStep update);

    /// <summary>
    /// Decoupled decay of <paramref name="parameters"/> toward <paramref name="anchor"/> (same length, no overlap):
    /// p ← p − <paramref name="rate"/>·(p − anchor). A zero anchor is AdamW's weight decay; the source
    /// model's weights are L2-SP's. <paramref name="rate"/> (α·λ) must lie in [0, 1].
    /// </summary>
    void DecayToward(BufferView parameters, BufferView anchor, float rate);

    // ---- fill / copy -------------------------------------------------------------------

    /// <summary>Sets every float of <paramref name="destination"/> to <paramref name="value"/>.</summary>
    void Fill(BufferView destination, float value);

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/> (same length, no overlap).</summary>
    void Copy(BufferView source, BufferView destination);
}

/// <summary>Which per-element loss <see cref="IComputeBackend.Loss"/> computes.</summary>
public enum LossKind
{
    /// <summary>Mean absolute error: l(e) = |e|, l'(e) = sign(e) (0 at e = 0, as TensorFlow's).</summary>
    Mae = 0,

    /// <summary>Mean squared error: l(e) = e², l'(e) = 2e.</summary>
    Mse = 1,
}
