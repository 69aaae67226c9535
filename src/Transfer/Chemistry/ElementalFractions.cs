namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// ElemNet's input features: the fraction of each of its 86 elements in a compound, in the order
/// of <see cref="ElementTable.ElemNetElements"/>. <c>Fe2O3</c> is 0.4 in the Fe slot, 0.6 in the O
/// slot and 0 elsewhere.
/// </summary>
public static class ElementalFractions
{
    /// <summary>The length of the feature vector: one slot per ElemNet input element.</summary>
    public const int Width = 86;

    /// <summary>Writes the elemental fractions of <paramref name="composition"/> into <paramref name="destination"/>.</summary>
    /// <param name="composition">The compound.</param>
    /// <param name="destination">
    /// Exactly <see cref="Width"/> floats. Cleared first; on success slot <c>i</c> holds
    /// amount / total of <c>ElemNetElements[i]</c>, computed in double and rounded once to float.
    /// </param>
    /// <param name="unsupportedElement">
    /// When the result is false, the first element of the compound (in formula order) that is not
    /// among ElemNet's 86 inputs, such as <c>He</c>; otherwise null.
    /// </param>
    /// <returns>
    /// True when every element is one of the 86; false otherwise, with <paramref name="destination"/>
    /// left all zeros (ElemNet drops such compounds rather than ignoring the element).
    /// </returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not <see cref="Width"/> long.</exception>
    public static bool TryCompute(Composition composition, Span<float> destination, out string? unsupportedElement)
    {
        ArgumentNullException.ThrowIfNull(composition);
        if (destination.Length != Width)
        {
            throw new ArgumentException(
                $"The destination must hold exactly {Width} floats, not {destination.Length}.", nameof(destination));
        }

        destination.Clear();
        // Check every element before writing any, so a failure leaves the destination zeroed.
        foreach (var (symbol, _) in composition.Amounts)
        {
            if (ElementTable.ElemNetIndex(symbol) < 0)
            {
                unsupportedElement = symbol;
                return false;
            }
        }

        foreach (var (symbol, amount) in composition.Amounts)
        {
            destination[ElementTable.ElemNetIndex(symbol)] = (float)(amount / composition.Total);
        }
        unsupportedElement = null;
        return true;
    }
}
