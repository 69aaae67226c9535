using System.Collections.Frozen;

namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// The chemical elements: every symbol of the periodic table, and the 86 that ElemNet takes as
/// inputs, in ElemNet's order (<c>elements_tl</c> in ElemNet's <c>data_utils.py</c>).
/// </summary>
/// <remarks>
/// Symbols are case-sensitive, as in formulas (<c>Co</c> is cobalt, <c>CO</c> is carbon and oxygen).
/// </remarks>
public static class ElementTable
{
    // Ordered by atomic number: AllElements[z - 1] has atomic number z.
    private static readonly string[] PeriodicTable =
    [
        "H", "He",
        "Li", "Be", "B", "C", "N", "O", "F", "Ne",
        "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar",
        "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe",
        "Cs", "Ba",
        "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu",
        "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn",
        "Fr", "Ra",
        "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
        "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ];

    // H…Pu without He, Ne, Ar, Po, At, Rn, Fr and Ra, as ElemNet's README lists them; Kr and Xe
    // are kept. This is ElemNet's input-layer order: it fixes what every row of a trained model's
    // first weight matrix means, so never reorder it.
    private static readonly string[] ElemNetOrder =
    [
        "H", "Li", "Be", "B", "C", "N", "O", "F", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "K", "Ca",
        "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te",
        "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er",
        "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Ac",
        "Th", "Pa", "U", "Np", "Pu",
    ];

    private static readonly FrozenDictionary<string, int> AtomicNumbers =
        PeriodicTable.Select((symbol, i) => KeyValuePair.Create(symbol, i + 1)).ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, int> ElemNetSlots =
        ElemNetOrder.Select((symbol, i) => KeyValuePair.Create(symbol, i)).ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The 86 element symbols ElemNet takes as inputs, in ElemNet's input order (H first, Pu last).</summary>
    public static IReadOnlyList<string> ElemNetElements { get; } = Array.AsReadOnly(ElemNetOrder);

    /// <summary>All 118 element symbols, H to Og, ordered by atomic number.</summary>
    public static IReadOnlyList<string> AllElements { get; } = Array.AsReadOnly(PeriodicTable);

    /// <summary>The slot of <paramref name="symbol"/> among <see cref="ElemNetElements"/>.</summary>
    /// <param name="symbol">An element symbol, case-sensitive (<c>Fe</c>).</param>
    /// <returns>The 0-based index, or −1 when the symbol is not one of ElemNet's 86 inputs.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="symbol"/> is null.</exception>
    public static int ElemNetIndex(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        return ElemNetSlots.TryGetValue(symbol, out var slot) ? slot : -1;
    }

    /// <summary>Whether <paramref name="symbol"/> is the symbol of an element of the periodic table (H…Og).</summary>
    /// <param name="symbol">A candidate symbol, case-sensitive.</param>
    /// <exception cref="ArgumentNullException"><paramref name="symbol"/> is null.</exception>
    public static bool IsElement(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        return AtomicNumbers.ContainsKey(symbol);
    }

    /// <summary>The atomic number of <paramref name="symbol"/>.</summary>
    /// <param name="symbol">An element symbol, case-sensitive.</param>
    /// <returns>1 for H up to 118 for Og; 0 when the symbol is not an element.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="symbol"/> is null.</exception>
    public static int AtomicNumber(string symbol)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        return AtomicNumbers.TryGetValue(symbol, out var z) ? z : 0;
    }
}
