using System.Diagnostics;
using System.Text;
using CrossPropertyILGPU.Transfer.Chemistry;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

/// <summary>
/// Random strings thrown at the parser: whatever the input, it returns a valid composition or
/// throws a <see cref="FormulaException"/> that points inside the input, and it never hangs.
/// </summary>
public sealed class FormulaParserFuzzTests
{
    private const int Strings = 100_000;

    // Drawn one at a time. Whole symbols and formula fragments make well-formed stretches likely
    // enough to reach the deeper rules (groups, fractions, the hydrate dot); the rest is the
    // alphabet the grammar cares about, plus junk.
    private static readonly string[] Pieces =
    [
        "Fe", "O", "H", "Na", "Cl", "Er", "Es", "Eu", "S", "Se", "Mg", "Ta", "In", "As", "He", "Xx", "H2O", "Uuo",
        "A", "B", "C", "E", "F", "I", "J", "K", "N", "P", "Q", "U", "W", "X", "Y", "Z",
        "a", "b", "e", "g", "l", "n", "r", "s", "u", "x",
        "0", "1", "2", "3", "5", "9", "0", "1", "2", "3", "5", "9",
        "(", ")", "[", "]", "{", "}", "(", ")",
        ".", ".", "/", "e", "E", "e-", "E+", "*", "·", "•", " ", " ", "\t",
        "#", "-", "+", ",", "\"", "é", "₂", "\0", "\u00A0", "1e400", "99999999999999999999",
    ];

    [Test]
    [CancelAfter(120_000)]
    public void Parse_RandomStrings_ReturnValidCompositionsOrThrowFormulaExceptionPromptly(CancellationToken cancellationToken)
    {
        var failures = new List<string>();
        var parsed = 0;
        var rejected = 0;
        var stopwatch = Stopwatch.StartNew();

        // On a worker thread so that a parser stuck in a loop fails the test instead of hanging it.
        var loop = Task.Run(() =>
        {
            var random = new Random(20_210_657);
            var builder = new StringBuilder();
            for (var i = 0; i < Strings && !cancellationToken.IsCancellationRequested; i++)
            {
                builder.Clear();
                var pieces = random.Next(0, 16);
                for (var p = 0; p < pieces; p++)
                {
                    builder.Append(Pieces[random.Next(Pieces.Length)]);
                }
                var formula = builder.ToString();
                var problem = Check(formula, ref parsed, ref rejected);
                if (problem is not null && failures.Count < 20)
                {
                    failures.Add($"'{formula}': {problem}");
                }
            }
        }, cancellationToken);

        Assert.That(loop.Wait(TimeSpan.FromSeconds(90), cancellationToken), Is.True, "the parser hung on a random string");
        stopwatch.Stop();
        TestContext.Out.WriteLine($"{Strings} strings in {stopwatch.Elapsed.TotalSeconds:F1} s: {parsed} parsed, {rejected} rejected");

        Assert.That(failures, Is.Empty);
        Assert.That(parsed + rejected, Is.EqualTo(Strings));
        // Both outcomes must be common, or the alphabet no longer exercises the grammar.
        Assert.That(parsed, Is.GreaterThan(Strings / 100));
        Assert.That(rejected, Is.GreaterThan(Strings / 2));
        // Well under a second on a developer machine; the bound only catches pathological slowness.
        Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)));
    }

    /// <summary>Null when the parser behaved; otherwise what it did wrong.</summary>
    private static string? Check(string formula, ref int parsed, ref int rejected)
    {
        try
        {
            var composition = FormulaParser.Parse(formula);
            parsed++;
            if (!(composition.Total > 0) || !double.IsFinite(composition.Total))
            {
                return $"total {composition.Total}";
            }
            foreach (var (symbol, amount) in composition.Amounts)
            {
                if (!ElementTable.IsElement(symbol) || !(amount > 0) || !double.IsFinite(amount))
                {
                    return $"{symbol} {amount}";
                }
            }
            return null;
        }
        catch (FormulaException e)
        {
            rejected++;
            if (e.Formula != formula)
            {
                return $"the exception names formula '{e.Formula}'";
            }
            var inside = formula.Length == 0 ? e.Position == 0 : e.Position >= 0 && e.Position < formula.Length;
            return inside ? null : $"position {e.Position} is outside the formula";
        }
#pragma warning disable CA1031 // Catching everything is the point: any other exception is the failure.
        catch (Exception e)
#pragma warning restore CA1031
        {
            rejected++;
            return $"{e.GetType().Name}: {e.Message}";
        }
    }
}
