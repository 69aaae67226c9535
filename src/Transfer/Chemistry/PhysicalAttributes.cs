namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// The 145 physical attributes (PA) of the paper's scratch baselines, as matminer computes them with
/// <c>Stoichiometry()</c>, <c>ElementProperty.from_preset("magpie")</c>,
/// <c>ValenceOrbital(props=["avg"])</c> and <c>IonProperty(fast=True)</c>, in that order, under
/// matminer's names (<see cref="Names"/>), from the tables of <see cref="MagpieTables"/>.
/// </summary>
/// <remarks>
/// <para>With n distinct elements of amounts a_i (as written, not normalised), A = Σ a_i and atomic
/// fractions f_i = a_i / A:</para>
/// <list type="number">
/// <item><b>1–6</b>, <c>0-norm</c> … <c>10-norm</c>: n, then (Σ f_i^p)^(1/p) for p = 2, 3, 5, 7, 10.</item>
/// <item><b>7–138</b>, <c>MagpieData &lt;stat&gt; &lt;property&gt;</c>: for each of the 22
/// <see cref="MagpieProperties"/> (property-major) six statistics of the elements' values v_i:
/// minimum, maximum and range (unweighted), mean Σ a_i v_i / A, avg_dev Σ a_i |v_i − mean| / A, and
/// mode: the value of the most abundant element, the smallest value among elements whose amount is
/// within numpy's <c>isclose</c> of the largest (NaCl: mode Number = 11).</item>
/// <item><b>139–142</b>, <c>avg s|p|d|f valence electrons</c>: Σ f_i · Ns|Np|Nd|NfValence_i.</item>
/// <item><b>143–145</b>: <c>compound possible</c> (1 when some choice of one common pymatgen
/// oxidation state per element balances, |Σ ox_i a_i| ≤ 1e-8; mixed valence is not tried, so Fe3O4
/// is 0); <c>max ionic char</c> and <c>avg ionic char</c>, the largest and the f_i f_j-weighted
/// sum over unordered element pairs of 1 − exp(−(X_i − X_j)²/4), X being pymatgen's Pauling
/// electronegativity. A single element is 1, 0, 0.</item>
/// </list>
/// <para><b>Missing table values.</b> Missing values are not imputed: where matminer before
/// version 0.10 (the paper's) gives NaN — any constituent element without a needed value — the
/// composition has no attributes and <see cref="TryCompute(Composition, Span{double}, out string?)"/>
/// says which element and table; the paper's preprocessing dropped such rows. For ElemNet's 86
/// elements every value used here is present, so their attributes equal current matminer's,
/// whose imputation only fills values of other elements.</para>
/// </remarks>
public static class PhysicalAttributes
{
    /// <summary>Features per composition.</summary>
    public const int Width = 145;

    /// <summary>Stoichiometry p-norms after the 0-norm (which is the number of elements).</summary>
    private static readonly int[] Norms = [2, 3, 5, 7, 10];

    private const int StoichiometryCount = 6;

    private const int StatisticCount = 6;

    // Feature positions of the blocks after the stoichiometry.
    private const int ValenceStart = StoichiometryCount + 22 * StatisticCount; // 138
    private const int IonStart = ValenceStart + 4;                             // 142

    // matminer's IonProperty(fast=True) tests each full combination with numpy isclose(Σ, 0).
    private const double ChargeTolerance = 1e-8;

    // A partial charge sum further from zero than the remaining elements can bring back, by more
    // than rounding could ever account for, is dropped: it cannot end within ChargeTolerance.
    private const double PruneMargin = 1e-6;

    // Distinct partial charge sums are bounded by the charges' range for integer-like amounts; only
    // pathological inputs (dozens of elements with irrational amounts) come near this.
    private const int MaxPartialSums = 1_000_000;

    /// <summary>The 22 Magpie element properties of the <c>magpie</c> preset, in matminer's order.</summary>
    public static IReadOnlyList<string> MagpieProperties { get; } = Array.AsReadOnly<string>(
    [
        "Number", "MendeleevNumber", "AtomicWeight", "MeltingT", "Column", "Row", "CovalentRadius",
        "Electronegativity", "NsValence", "NpValence", "NdValence", "NfValence", "NValence",
        "NsUnfilled", "NpUnfilled", "NdUnfilled", "NfUnfilled", "NUnfilled", "GSvolume_pa",
        "GSbandgap", "GSmagmom", "SpaceGroupNumber",
    ]);

    /// <summary>The six statistics of each property, in matminer's order.</summary>
    public static IReadOnlyList<string> Statistics { get; } = Array.AsReadOnly<string>(["minimum", "maximum", "range", "mean", "avg_dev", "mode"]);

    /// <summary>The 145 feature names, exactly as matminer labels them, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly<string>(
    [
        "0-norm", .. Norms.Select(p => $"{p}-norm"),
        .. MagpieProperties.SelectMany(property => Statistics.Select(stat => $"MagpieData {stat} {property}")),
        "avg s valence electrons", "avg p valence electrons", "avg d valence electrons", "avg f valence electrons",
        "compound possible", "max ionic char", "avg ionic char",
    ]);

    // The valence-orbital block averages these four properties.
    private static readonly int[] ValenceProperties =
        [.. new[] { "NsValence", "NpValence", "NdValence", "NfValence" }.Select(name => MagpieProperties.ToList().IndexOf(name))];

    /// <summary>
    /// The 145 attributes of <paramref name="composition"/>, rounded once to float; see
    /// <see cref="TryCompute(Composition, Span{double}, out string?)"/>.
    /// </summary>
    public static bool TryCompute(Composition composition, Span<float> destination, out string? problem)
    {
        if (destination.Length != Width)
        {
            throw new ArgumentException($"The destination must hold exactly {Width} floats, not {destination.Length}.", nameof(destination));
        }
        Span<double> exact = stackalloc double[Width];
        if (!TryCompute(composition, exact, out problem))
        {
            destination.Clear();
            return false;
        }
        for (var i = 0; i < Width; i++)
        {
            destination[i] = (float)exact[i];
        }
        return true;
    }

    /// <summary>Writes the 145 attributes of <paramref name="composition"/> into <paramref name="destination"/>, in the order of <see cref="Names"/>.</summary>
    /// <param name="composition">The compound; any elements H … Og.</param>
    /// <param name="destination">Exactly <see cref="Width"/> values; cleared when the attributes cannot be computed.</param>
    /// <param name="problem">
    /// When the result is false, why: the first element (in formula order) lacking a value the
    /// attributes need, and the table, e.g. <c>He has no MeltingT value in the Magpie tables</c>.
    /// </param>
    /// <returns>True when every attribute is a finite number.</returns>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not <see cref="Width"/> long.</exception>
    public static bool TryCompute(Composition composition, Span<double> destination, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(composition);
        if (destination.Length != Width)
        {
            throw new ArgumentException($"The destination must hold exactly {Width} values, not {destination.Length}.", nameof(destination));
        }
        destination.Clear();
        var n = composition.ElementCount;
        var atomicNumbers = new int[n];
        var amounts = new double[n];
        for (var i = 0; i < n; i++)
        {
            atomicNumbers[i] = ElementTable.AtomicNumber(composition.Amounts[i].Key);
            amounts[i] = composition.Amounts[i].Value;
        }
        problem = FindMissingValue(composition, atomicNumbers);
        if (problem is not null)
        {
            return false;
        }
        var total = 0.0;
        foreach (var amount in amounts)
        {
            total += amount;
        }

        // 1–6: Stoichiometry, on atomic fractions.
        destination[0] = n;
        for (var k = 0; k < Norms.Length; k++)
        {
            var sum = 0.0;
            foreach (var amount in amounts)
            {
                sum += Math.Pow(amount / total, Norms[k]);
            }
            destination[1 + k] = Math.Pow(sum, 1.0 / Norms[k]);
        }

        // 7–138: ElementProperty (magpie), weighted by the raw amounts.
        var columns = MagpieTables.PropertyColumns;
        var values = new double[n];
        for (var p = 0; p < columns.Length; p++)
        {
            for (var i = 0; i < n; i++)
            {
                values[i] = columns[p][atomicNumbers[i]];
            }
            WriteStatistics(values, amounts, total, destination.Slice(StoichiometryCount + p * StatisticCount, StatisticCount));
        }

        // 139–142: ValenceOrbital averages, weighted by atomic fraction (matminer normalises first).
        for (var orbital = 0; orbital < ValenceProperties.Length; orbital++)
        {
            var column = columns[ValenceProperties[orbital]];
            double weighted = 0, weights = 0;
            for (var i = 0; i < n; i++)
            {
                var fraction = amounts[i] / total;
                weighted += fraction * column[atomicNumbers[i]];
                weights += fraction;
            }
            destination[ValenceStart + orbital] = weighted / weights;
        }

        // 143–145: IonProperty(fast=True).
        if (n < 2)
        {
            destination[IonStart] = 1;
            return true;
        }
        var possible = ChargeBalancePossible(atomicNumbers, amounts);
        if (possible is null)
        {
            destination.Clear();
            problem = $"'compound possible' needs more than {MaxPartialSums:N0} oxidation-state combinations to be decided";
            return false;
        }
        destination[IonStart] = possible.Value ? 1 : 0;
        var electronegativity = MagpieTables.ElectronegativityColumn;
        double maxIonic = 0, averageIonic = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var difference = electronegativity[atomicNumbers[i]] - electronegativity[atomicNumbers[j]];
                var ionic = 1.0 - Math.Exp(-0.25 * difference * difference);
                maxIonic = Math.Max(maxIonic, ionic);
                averageIonic += amounts[i] / total * (amounts[j] / total) * ionic;
            }
        }
        destination[IonStart + 1] = maxIonic;
        destination[IonStart + 2] = averageIonic;
        return true;
    }

    // minimum, maximum, range, mean, avg_dev, mode of one property over the elements.
    private static void WriteStatistics(double[] values, double[] amounts, double total, Span<double> statistics)
    {
        double minimum = double.PositiveInfinity, maximum = double.NegativeInfinity, weighted = 0, largestAmount = 0;
        for (var i = 0; i < values.Length; i++)
        {
            minimum = Math.Min(minimum, values[i]);
            maximum = Math.Max(maximum, values[i]);
            weighted += amounts[i] * values[i];
            largestAmount = Math.Max(largestAmount, amounts[i]);
        }
        var mean = weighted / total;
        double deviation = 0, mode = double.PositiveInfinity;
        for (var i = 0; i < values.Length; i++)
        {
            deviation += amounts[i] * Math.Abs(values[i] - mean);
            // numpy isclose(a_i, max a): ties in the largest amount go to the smallest value.
            if (Math.Abs(amounts[i] - largestAmount) <= 1e-8 + 1e-5 * largestAmount)
            {
                mode = Math.Min(mode, values[i]);
            }
        }
        statistics[0] = minimum;
        statistics[1] = maximum;
        statistics[2] = maximum - minimum;
        statistics[3] = mean;
        statistics[4] = deviation / total;
        statistics[5] = mode;
    }

    // The first value the attributes need that the tables lack, in formula order.
    private static string? FindMissingValue(Composition composition, int[] atomicNumbers)
    {
        var columns = MagpieTables.PropertyColumns;
        for (var i = 0; i < atomicNumbers.Length; i++)
        {
            var symbol = composition.Amounts[i].Key;
            for (var p = 0; p < columns.Length; p++)
            {
                if (double.IsNaN(columns[p][atomicNumbers[i]]))
                {
                    return $"{symbol} has no {MagpieProperties[p]} value in the Magpie tables";
                }
            }
            // IonProperty looks electronegativities up only for compounds.
            if (atomicNumbers.Length > 1 && double.IsNaN(MagpieTables.ElectronegativityColumn[atomicNumbers[i]]))
            {
                return $"{symbol} has no Pauling electronegativity in pymatgen's table";
            }
        }
        return null;
    }

    /// <summary>
    /// Whether one common oxidation state per element balances the charges, |Σ ox_i a_i| ≤ 1e-8;
    /// null when undecidable within <see cref="MaxPartialSums"/>.
    /// </summary>
    /// <remarks>
    /// matminer walks the Cartesian product of the states, which grows as (states per element)^n.
    /// The same answer comes from the set of distinct partial sums, built element by element in
    /// formula order (so every full sum is the same left-to-right sum matminer's dot product
    /// forms); sums that the remaining elements cannot bring back near zero are dropped. An element
    /// with no common state empties the product: not possible.
    /// </remarks>
    internal static bool? ChargeBalancePossible(ReadOnlySpan<int> atomicNumbers, ReadOnlySpan<double> amounts)
    {
        var states = MagpieTables.OxidationStateColumn;
        var n = atomicNumbers.Length;
        // reach[i]: the most the elements i … n−1 can move a sum, Σ max|ox| · a.
        var reach = new double[n + 1];
        for (var i = n - 1; i >= 0; i--)
        {
            var largest = 0;
            foreach (var state in states[atomicNumbers[i]])
            {
                largest = Math.Max(largest, Math.Abs(state));
            }
            reach[i] = reach[i + 1] + largest * amounts[i];
        }
        var sums = new HashSet<double> { 0.0 };
        for (var i = 0; i < n; i++)
        {
            var next = new HashSet<double>();
            foreach (var sum in sums)
            {
                foreach (var state in states[atomicNumbers[i]])
                {
                    var extended = sum + state * amounts[i];
                    if (Math.Abs(extended) <= reach[i + 1] + PruneMargin)
                    {
                        next.Add(extended);
                    }
                }
            }
            if (next.Count == 0)
            {
                return false;
            }
            if (next.Count > MaxPartialSums)
            {
                return null;
            }
            sums = next;
        }
        foreach (var sum in sums)
        {
            if (Math.Abs(sum) <= ChargeTolerance)
            {
                return true;
            }
        }
        return false;
    }
}
