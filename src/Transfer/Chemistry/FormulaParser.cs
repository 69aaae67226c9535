using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// Reads chemical formulas such as <c>Fe2O3</c>, <c>Fe0.62C0.01Mn0.37</c>, <c>Mg(SnN)2</c> or
/// <c>Ca[Fe(CN)6]2</c> into a <see cref="Composition"/>.
/// </summary>
/// <remarks>
/// <para>Grammar (a small recursive-descent parser, one method per rule):</para>
/// <code>
/// formula  := space* sequence space*
/// sequence := term+
/// term     := element amount? | group
/// group    := ( '(' sequence ')' | '[' sequence ']' ) amount?
/// element  := capital-letter lower-case-letter*      (a symbol of the periodic table)
/// amount   := digit+ ( '.' digit* )? | '.' digit+    (default 1)
/// </code>
/// <para>
/// A group's amount multiplies everything inside it; groups nest. An element that appears more than
/// once is summed (<c>CH3COOH</c> is C 2, H 4, O 2). Symbols are case-sensitive and checked against
/// the whole periodic table, not ElemNet's 86 inputs: <c>He</c> parses, and
/// <see cref="ElementalFractions"/> decides whether a model can use it.
/// </para>
/// <para>
/// Any problem throws a <see cref="FormulaException"/> giving the 0-based position of the offending
/// character: an empty formula, an unknown symbol, a number where an element is expected
/// (<c>2Fe</c>), unbalanced or mismatched brackets, an empty group, a total amount that is not
/// positive, or any other character (including spaces inside the formula).
/// </para>
/// </remarks>
public static class FormulaParser
{
    /// <summary>Parses <paramref name="formula"/>.</summary>
    /// <param name="formula">A chemical formula; whitespace around it is ignored.</param>
    /// <returns>The amount of each element, in order of first appearance.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="formula"/> is null.</exception>
    /// <exception cref="FormulaException">The formula is not valid; the exception says where.</exception>
    public static Composition Parse(string formula)
    {
        ArgumentNullException.ThrowIfNull(formula);
        return new Parser(formula).ParseFormula();
    }

    /// <summary>The parser state: the formula and a cursor into it. One instance per formula.</summary>
    private sealed class Parser
    {
        private readonly string _formula;
        private readonly int _start; // first character after leading whitespace
        private readonly int _end;   // one past the last character before trailing whitespace
        private int _position;

        public Parser(string formula)
        {
            _formula = formula;
            _end = formula.Length;
            while (_end > 0 && char.IsWhiteSpace(formula[_end - 1]))
            {
                _end--;
            }
            while (_start < _end && char.IsWhiteSpace(formula[_start]))
            {
                _start++;
            }
            _position = _start;
        }

        private bool AtEnd => _position >= _end;

        private char Current => _formula[_position];

        // formula := space* sequence space*
        public Composition ParseFormula()
        {
            if (_start == _end)
            {
                throw Error("Empty formula", 0);
            }

            var terms = ParseSequence(group: null);
            // ParseSequence stops only at the end or at a closing bracket, and rejects a closing
            // bracket at the top level itself; so here the whole formula has been read.
            var total = terms.Sum(term => term.Value);
            if (double.IsPositiveInfinity(total))
            {
                throw Error("Total amount is too large", _start);
            }
            if (!(total > 0))
            {
                throw Error($"Total amount must be positive, not {total.ToString(CultureInfo.InvariantCulture)}", _start);
            }
            return new Composition(terms);
        }

        // sequence := term+   (in a group: up to its closing bracket; ParseGroup reports an empty group)
        private List<KeyValuePair<string, double>> ParseSequence(OpenGroup? group)
        {
            var terms = new List<KeyValuePair<string, double>>();
            while (!AtEnd)
            {
                var c = Current;
                if (IsClosingBracket(c))
                {
                    if (group is null)
                    {
                        throw Error($"Closing bracket '{c}' without an opening bracket", _position);
                    }
                    break;
                }
                ParseTerm(terms);
            }
            return terms;
        }

        // term := element amount? | group
        private void ParseTerm(List<KeyValuePair<string, double>> terms)
        {
            var c = Current;
            if (IsOpeningBracket(c))
            {
                terms.AddRange(ParseGroup());
            }
            else if (char.IsAsciiLetterUpper(c))
            {
                var symbol = ParseElement();
                terms.Add(KeyValuePair.Create(symbol, ParseAmount() ?? 1));
            }
            else if (IsNumberStart())
            {
                var position = _position;
                _ = ParseAmount();
                throw Error(
                    $"Expected an element symbol or a bracket, found the number '{_formula[position.._position]}'",
                    position);
            }
            else if (char.IsAsciiLetterLower(c))
            {
                throw Error($"Element symbols start with a capital letter, found '{c}'", _position);
            }
            else
            {
                throw Error($"Unexpected character '{c}'", _position);
            }
        }

        // group := ( '(' sequence ')' | '[' sequence ']' ) amount?
        private List<KeyValuePair<string, double>> ParseGroup()
        {
            var open = new OpenGroup(Current, _position);
            _position++;
            var terms = ParseSequence(open);
            if (AtEnd)
            {
                throw Error($"Bracket '{open.Bracket}' is never closed", open.Position);
            }
            var expected = ClosingBracketOf(open.Bracket);
            if (Current != expected)
            {
                throw Error(
                    $"Bracket '{Current}' does not match '{open.Bracket}' opened at position {open.Position} (expected '{expected}')",
                    _position);
            }
            if (terms.Count == 0)
            {
                throw Error($"Empty group '{open.Bracket}{expected}'", open.Position);
            }
            _position++;

            var multiplier = ParseAmount() ?? 1;
            if (multiplier != 1)
            {
                for (var i = 0; i < terms.Count; i++)
                {
                    terms[i] = KeyValuePair.Create(terms[i].Key, terms[i].Value * multiplier);
                }
            }
            return terms;
        }

        // element := capital-letter lower-case-letter*
        private string ParseElement()
        {
            var start = _position;
            _position++;
            while (!AtEnd && char.IsAsciiLetterLower(Current))
            {
                _position++;
            }
            var symbol = _formula[start.._position];
            if (!ElementTable.IsElement(symbol))
            {
                throw Error($"Unknown element symbol '{symbol}'", start);
            }
            return symbol;
        }

        // amount := digit+ ( '.' digit* )? | '.' digit+ ; null when no amount is written here.
        private double? ParseAmount()
        {
            if (!IsNumberStart())
            {
                return null;
            }
            var start = _position;
            SkipDigits();
            if (!AtEnd && Current == '.')
            {
                _position++;
                SkipDigits();
            }

            var text = _formula.AsSpan(start, _position - start);
            var amount = double.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            if (double.IsInfinity(amount))
            {
                throw Error($"Amount '{text}' is too large", start);
            }
            return amount;
        }

        private bool IsNumberStart() =>
            !AtEnd && (char.IsAsciiDigit(Current)
                || (Current == '.' && _position + 1 < _end && char.IsAsciiDigit(_formula[_position + 1])));

        private void SkipDigits()
        {
            while (!AtEnd && char.IsAsciiDigit(Current))
            {
                _position++;
            }
        }

        private FormulaException Error(string problem, int position) => new(problem, _formula, position);

        private static bool IsOpeningBracket(char c) => c is '(' or '[';

        private static bool IsClosingBracket(char c) => c is ')' or ']';

        private static char ClosingBracketOf(char opening) => opening == '(' ? ')' : ']';
    }

    /// <summary>A group being read: its opening bracket and where it is, for error messages.</summary>
    private readonly record struct OpenGroup(char Bracket, int Position);
}
