using System.Globalization;
using System.Text;

namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// The amount of each element in a compound, in the order the elements first appear in its
/// formula: <c>Ca[Fe(CN)6]2</c> is Ca 1, Fe 2, C 12, N 12. Amounts are relative (a formula unit),
/// not normalised; <see cref="Total"/> normalises them.
/// </summary>
/// <remarks>
/// Every symbol is an element of the periodic table, every amount is finite and positive (elements
/// given an amount of zero are left out, as pymatgen does), and <see cref="Total"/> is positive.
/// </remarks>
public sealed class Composition
{
    private readonly KeyValuePair<string, double>[] _amounts;

    /// <summary>Creates a composition; repeated elements are summed into their first position.</summary>
    /// <param name="amounts">Element symbol and amount pairs, in formula order.</param>
    /// <exception cref="ArgumentException">
    /// A symbol is not an element, an amount is negative, NaN or infinite, or the amounts add up to zero.
    /// </exception>
    public Composition(IEnumerable<KeyValuePair<string, double>> amounts)
    {
        ArgumentNullException.ThrowIfNull(amounts);
        var order = new List<string>();
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (symbol, amount) in amounts)
        {
            if (symbol is null || !ElementTable.IsElement(symbol))
            {
                throw new ArgumentException($"'{symbol}' is not an element symbol.", nameof(amounts));
            }
            if (!double.IsFinite(amount) || amount < 0)
            {
                throw new ArgumentException(
                    $"The amount of {symbol} must be finite and not negative, not {amount.ToString(CultureInfo.InvariantCulture)}.",
                    nameof(amounts));
            }
            if (sums.TryGetValue(symbol, out var sum))
            {
                sums[symbol] = sum + amount;
            }
            else
            {
                sums.Add(symbol, amount);
                order.Add(symbol);
            }
        }

        _amounts = order.Where(symbol => sums[symbol] > 0)
            .Select(symbol => KeyValuePair.Create(symbol, sums[symbol]))
            .ToArray();
        Total = _amounts.Sum(pair => pair.Value);
        if (!(Total > 0) || !double.IsFinite(Total))
        {
            throw new ArgumentException("A composition needs a finite, positive total amount.", nameof(amounts));
        }
        Amounts = Array.AsReadOnly(_amounts);
    }

    /// <summary>Each element and its amount, in the order the elements first appear; each element once.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Amounts { get; }

    /// <summary>The sum of all amounts (atoms per formula unit): 5 for <c>Fe2O3</c>.</summary>
    public double Total { get; }

    /// <summary>The number of distinct elements: 2 for <c>Fe2O3</c>.</summary>
    public int ElementCount => _amounts.Length;

    /// <summary>The amount of <paramref name="symbol"/>, or 0 when the compound does not contain it.</summary>
    /// <param name="symbol">An element symbol, case-sensitive.</param>
    public double AmountOf(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        foreach (var (element, amount) in _amounts)
        {
            if (string.Equals(element, symbol, StringComparison.Ordinal))
            {
                return amount;
            }
        }
        return 0;
    }

    /// <summary>A flat formula of the composition, amounts of 1 left out: <c>CaFe2C12N12</c>.</summary>
    public override string ToString()
    {
        var formula = new StringBuilder();
        foreach (var (symbol, amount) in _amounts)
        {
            formula.Append(symbol);
            if (amount != 1)
            {
                formula.Append(amount.ToString(CultureInfo.InvariantCulture));
            }
        }
        return formula.ToString();
    }
}
