using System.Globalization;
using System.Text;

namespace CrossPropertyILGPU.Transfer.Tests.Support;

/// <summary>
/// Small labelled sets of binary compounds for the fit tests: a smooth function of composition,
/// some formulas listed twice (polymorphs) and some as multiples (Fe2O3 and Fe4O6), so grouping by
/// reduced composition has something to do.
/// </summary>
public static class FitTestData
{
    private static readonly string[] Cations = ["Li", "Na", "K", "Mg", "Ca", "Sr", "Fe", "Co", "Ni", "Cu", "Zn", "Al", "Ga", "Ti"];

    private static readonly string[] Anions = ["O", "S", "Se", "F", "Cl", "N"];

    /// <summary>Rows <c>(formula, target)</c>: target = 2·x(anion) + an element term, plus <paramref name="shift"/>.</summary>
    public static List<(string Formula, double Target)> Rows(int count, int seed, double shift = 0)
    {
        var random = new Random(seed);
        var rows = new List<(string, double)>();
        while (rows.Count < count)
        {
            var (cation, anion) = (random.Next(Cations.Length), random.Next(Anions.Length));
            var (a, b) = (random.Next(1, 4), random.Next(1, 4));
            var fraction = (double)b / (a + b);
            var target = 2 * fraction + 0.1 * cation + 0.05 * anion + shift;
            var formula = $"{Cations[cation]}{a}{Anions[anion]}{b}";
            rows.Add((formula, target));
            if (rows.Count % 7 == 0 && rows.Count < count)
            {
                // A polymorph (same formula, another value) and a multiple of the same composition.
                rows.Add((formula, target + 0.05));
            }
            if (rows.Count % 11 == 0 && rows.Count < count)
            {
                rows.Add(($"{Cations[cation]}{2 * a}{Anions[anion]}{2 * b}", target - 0.05));
            }
        }
        return rows;
    }

    /// <summary>Writes rows as a CSV with the JARVIS layout (<c>,formula,target</c>, an unnamed index first).</summary>
    public static string Write(ScratchFolder folder, string name, IEnumerable<(string Formula, double Target)> rows)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var text = new StringBuilder(",formula,target\n");
        var i = 0;
        foreach (var (formula, target) in rows)
        {
            text.Append(string.Create(CultureInfo.InvariantCulture, $"{i++},{formula},{target:R}\n"));
        }
        return folder.Write(name, text.ToString());
    }
}
