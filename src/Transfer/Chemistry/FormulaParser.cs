using System.Globalization;

namespace CrossPropertyILGPU.Transfer.Chemistry;

/// <summary>
/// Reads chemical formulas such as <c>Fe2O3</c>, <c>Fe0.62C0.01Mn0.37</c>, <c>Mg1/3Ta2/3</c>,
/// <c>Ca[Fe(CN)6]2</c>, <c>(3InAs)0.95(In2Te3)0.05</c> or <c>CuSO4·5H2O</c> into a
/// <see cref="Composition"/>. Every part of the project that reads a formula goes through here.
/// </summary>
/// <remarks>
/// <para>Grammar (a recursive-descent parser, one method per rule; <c>ws</c> is any run of whitespace):</para>
/// <code>
/// formula     := ws compound ws
/// compound    := part ( ws adduct ws part )*
/// part        := ( coefficient ws )? sequence
/// sequence    := term ( ws term )*
/// term        := element amount? | group
/// group       := open ws compound ws close amount?     ( ) or [ ] or { }, at most 64 deep
/// element     := capital-letter lower-case-letter*      a symbol of the periodic table
/// adduct      := '·' | '•' | '∙' | '⋅' | '*' | '.'       ('.': see "The dot" below)
/// coefficient := number
/// amount      := number                                 written directly after its element or bracket; default 1
/// number      := decimal ( '/' decimal )?               a fraction: Mg1/3Ta2/3
/// decimal     := ( digit+ ( '.' digit+ )? | '.' digit+ ) ( ( 'e' | 'E' ) ( '+' | '-' )? digit+ )?
/// </code>
/// <para>
/// A group's amount multiplies everything inside it; groups nest. A coefficient multiplies its
/// part, which runs to the next adduct separator or to the end of its group or formula:
/// <c>(3InAs)0.95(In2Te3)0.05</c> is In 2.95, As 2.85, Te 0.15; <c>CuSO4·5H2O</c> is one CuSO4
/// and five H2O; <c>2H2O</c> is H 4, O 2, which has the same elemental fractions as <c>H2O</c>.
/// Adduct separators add their parts together. An element that appears more than once is summed
/// (<c>CH3COOH</c> is C 2, H 4, O 2). Symbols are case-sensitive and checked against the whole
/// periodic table, not ElemNet's 86 inputs: <c>He</c> parses, and <see cref="ElementalFractions"/>
/// decides whether a model can use it. Numbers are exact as written (<c>1/3</c> is not rounded to
/// 0.333 as ElemNet's script does). An <c>E</c> is an exponent only when a digit, or a sign and a
/// digit, follows it: <c>Fe2Er</c> is iron and erbium, <c>Fe2E+0</c> is Fe 2.
/// </para>
/// <para>
/// Whitespace may stand between terms, around adduct separators, after a coefficient and inside
/// brackets (<c>Fe2 O3</c>, <c> Na Cl </c>, <c>CuSO4 · 5 H2O</c>), never inside a symbol or a
/// number nor between an element or bracket and its amount: in <c>Fe 2</c> the 2 is an error.
/// </para>
/// <para>
/// <b>The dot.</b> <c>.</c> is both the decimal point (<c>Fe0.5</c>) and an adduct separator
/// (<c>CuSO4.5H2O</c>), and <c>Hg7.5As4Cl6</c> (a JARVIS compound) has the same shape as
/// <c>CuSO4.5H2O</c>. Materials data are full of decimal amounts and almost never write adducts,
/// so a dot is read by these rules, in order:
/// </para>
/// <list type="number">
/// <item>Water of crystallisation: a dot directly after an element symbol, a closing bracket or a
/// non-zero integer amount, followed by a coefficient and then <c>H2O</c> that ends its part (the
/// formula ends, or a closing bracket or another adduct separator follows), separates an adduct:
/// <c>CuSO4.5H2O</c>, <c>Na2CO3.10H2O</c>, <c>CaSO4.0.5H2O</c>, <c>NaCl.2H2O</c>. After a zero
/// (<c>Fe0.5H2O</c>) it stays a decimal point.</item>
/// <item>Otherwise a dot followed by a digit is a decimal point wherever a number can be written:
/// directly after an element symbol, a closing bracket or the integer digits of an amount
/// (<c>Fe0.5</c>, <c>Fe.5</c>, <c>(SiO2).5</c>, <c>Hg7.5As4Cl6</c>), and at the start of a part
/// (<c>.5H2O</c>).</item>
/// <item>Every other dot is an adduct separator: <c>Fe2O3.H2O</c>, <c>KCl.MgCl2</c>,
/// <c>Fe2O3 .5H2O</c> (amounts are written directly after their symbol, so this dot cannot
/// start one).</item>
/// </list>
/// <para>
/// Other adducts written with a dot and a number are read as decimals (<c>K2SO4.2MgSO4</c> is
/// O 4.2); write them with <c>·</c> or <c>*</c> (<c>K2SO4*2MgSO4</c>), which are never ambiguous.
/// </para>
/// <para>
/// Any problem throws a <see cref="FormulaException"/> giving the 0-based position of the offending
/// character: an empty formula, an unknown symbol, a number where an element is expected
/// (<c>Fe2 3</c>), a coefficient or adduct separator with no formula after it, unbalanced or
/// mismatched brackets, an empty group, brackets nested too deep, a fraction with no or a zero
/// denominator, an amount too large for a double, a total amount that is not positive, or any
/// other character.
/// </para>
/// </remarks>
public static class FormulaParser
{
    /// <summary>How deep groups may nest; deeper input is rejected rather than risking the stack.</summary>
    public const int MaxNesting = 64;

    /// <summary>Parses <paramref name="formula"/>.</summary>
    /// <param name="formula">A chemical formula; whitespace around it is ignored.</param>
    /// <returns>
    /// The amount of each element, in order of first appearance, per formula unit as written: a
    /// coefficient of the whole formula is applied (<c>2H2O</c> is H 4, O 2), which changes the
    /// amounts but not the elemental fractions.
    /// </returns>
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
        private int _depth;          // groups open at the cursor

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

        // formula := ws compound ws
        public Composition ParseFormula()
        {
            if (_start == _end)
            {
                throw Error("Empty formula", 0);
            }

            var terms = ParseCompound(group: null);
            // ParseCompound stops only at the end or at a closing bracket, and ParseSequence rejects
            // a closing bracket at the top level itself; so here the whole formula has been read.
            // Every amount is finite (Scale and ParseNumber check), but their sum may not be.
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

        // compound := part ( ws adduct ws part )*
        private List<KeyValuePair<string, double>> ParseCompound(OpenGroup? group)
        {
            var terms = ParsePart(group, separatorPosition: null);
            while (!AtEnd && IsAdduct(Current))
            {
                var separator = _position;
                _position++;
                terms.AddRange(ParsePart(group, separator));
            }
            return terms;
        }

        // part := ( coefficient ws )? sequence
        // Empty only for a group's first part with nothing in it: ParseGroup reports that, after
        // checking the closing bracket, so "Mg(]" is a mismatch rather than an empty group.
        private List<KeyValuePair<string, double>> ParsePart(OpenGroup? group, int? separatorPosition)
        {
            SkipWhitespace();
            var coefficientStart = _position;
            var coefficient = ParseNumber(NumberRole.Coefficient);
            var coefficientText = _formula[coefficientStart.._position];
            SkipWhitespace();

            var terms = ParseSequence(group);
            if (terms.Count == 0)
            {
                if (coefficient is not null)
                {
                    throw Error($"Coefficient '{coefficientText}' is not followed by a formula", coefficientStart);
                }
                if (separatorPosition is { } separator)
                {
                    throw Error($"Adduct separator '{_formula[separator]}' is not followed by a formula", separator);
                }
                if (!AtEnd && IsAdduct(Current))
                {
                    throw Error($"Adduct separator '{Current}' without a formula before it", _position);
                }
                return terms;
            }
            if (coefficient is { } factor)
            {
                Scale(terms, factor, coefficientText, coefficientStart);
            }
            return terms;
        }

        // sequence := term ( ws term )*   (up to the end, an adduct separator, or a closing bracket)
        private List<KeyValuePair<string, double>> ParseSequence(OpenGroup? group)
        {
            var terms = new List<KeyValuePair<string, double>>();
            while (true)
            {
                SkipWhitespace();
                if (AtEnd)
                {
                    break;
                }
                var c = Current;
                if (IsClosingBracket(c))
                {
                    if (group is null)
                    {
                        throw Error($"Closing bracket '{c}' without an opening bracket", _position);
                    }
                    break;
                }
                // A dot here is never a decimal point: an amount is written directly after its
                // element or bracket, and ParseAmount has already taken any that was.
                if (IsAdduct(c))
                {
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
                terms.Add(KeyValuePair.Create(symbol, ParseNumber(NumberRole.Amount) ?? 1));
            }
            else if (char.IsAsciiDigit(c))
            {
                // A number in the middle of a sequence: a coefficient only starts a part, and an
                // amount only follows its element or bracket directly.
                var end = ScanNumber(_position, NumberRole.Coefficient);
                var hint = _position > 0 && char.IsWhiteSpace(_formula[_position - 1])
                    ? " (an amount is written directly after its element or bracket)"
                    : "";
                throw Error(
                    $"Expected an element symbol or a bracket, found the number '{_formula[_position..end]}'{hint}",
                    _position);
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

        // group := open ws compound ws close amount?
        private List<KeyValuePair<string, double>> ParseGroup()
        {
            var open = new OpenGroup(Current, _position);
            if (_depth == MaxNesting)
            {
                throw Error($"Brackets are nested more than {MaxNesting} deep", _position);
            }
            _depth++;
            _position++;
            var terms = ParseCompound(open);
            _depth--;
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

            var multiplierStart = _position;
            if (ParseNumber(NumberRole.Amount) is { } multiplier)
            {
                Scale(terms, multiplier, _formula[multiplierStart.._position], multiplierStart);
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

        // number := decimal ( '/' decimal )? ; null when no number starts at the cursor.
        private double? ParseNumber(NumberRole role)
        {
            var start = _position;
            var end = ScanDecimal(start, role);
            if (end == start)
            {
                return null;
            }
            var value = ReadDecimal(start, end, role);
            if (end < _end && _formula[end] == '/')
            {
                var denominatorStart = end + 1;
                var denominatorEnd = ScanDecimal(denominatorStart, NumberRole.Denominator);
                if (denominatorEnd == denominatorStart)
                {
                    throw Error($"Fraction '{_formula[start..denominatorStart]}' has no denominator", end);
                }
                var denominator = ReadDecimal(denominatorStart, denominatorEnd, role);
                if (denominator == 0)
                {
                    throw Error($"Fraction '{_formula[start..denominatorEnd]}' has a zero denominator", start);
                }
                value /= denominator;
                end = denominatorEnd;
                if (double.IsInfinity(value))
                {
                    throw Error($"{NounOf(role)} '{_formula[start..end]}' is too large", start);
                }
            }
            _position = end;
            return value;
        }

        /// <summary>The value of the decimal at [start, end), which <see cref="ScanDecimal"/> found.</summary>
        private double ReadDecimal(int start, int end, NumberRole role)
        {
            var text = _formula.AsSpan(start, end - start);
            // .NET parses an overlong number to infinity (and a tiny one to 0) rather than throwing.
            var value = double.Parse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture);
            if (double.IsInfinity(value))
            {
                throw Error($"{NounOf(role)} '{text}' is too large", start);
            }
            return value;
        }

        /// <summary>
        /// The end of the decimal starting at <paramref name="at"/> (<paramref name="at"/> itself when
        /// none starts there), applying the rules for the dot; moves nothing and throws nothing.
        /// </summary>
        private int ScanDecimal(int at, NumberRole role)
        {
            var p = SkipDigits(at);
            var integerDigits = p - at;
            if (p + 1 < _end && _formula[p] == '.' && char.IsAsciiDigit(_formula[p + 1]) && !IsHydrateDot(at, p, role))
            {
                p = SkipDigits(p + 2);
            }
            else if (integerDigits == 0)
            {
                return at;
            }

            if (p < _end && _formula[p] is 'e' or 'E')
            {
                var exponent = p + 1;
                if (exponent < _end && _formula[exponent] is '+' or '-')
                {
                    exponent++;
                }
                if (exponent < _end && char.IsAsciiDigit(_formula[exponent]))
                {
                    p = SkipDigits(exponent);
                }
            }
            return p;
        }

        /// <summary>The end of the number (a decimal or a fraction) starting at <paramref name="at"/>, or <paramref name="at"/>.</summary>
        private int ScanNumber(int at, NumberRole role)
        {
            var end = ScanDecimal(at, role);
            if (end > at && end < _end && _formula[end] == '/')
            {
                var denominatorEnd = ScanDecimal(end + 1, NumberRole.Denominator);
                if (denominatorEnd > end + 1)
                {
                    end = denominatorEnd;
                }
            }
            return end;
        }

        /// <summary>
        /// Rule 1 for the dot: whether the dot at <paramref name="dot"/>, after the digits from
        /// <paramref name="digitsStart"/> of an amount, separates water of crystallisation
        /// (<c>CuSO4.5H2O</c>) rather than being a decimal point.
        /// </summary>
        private bool IsHydrateDot(int digitsStart, int dot, NumberRole role)
        {
            // Only amounts: a coefficient or denominator followed by an adduct would make no sense.
            if (role != NumberRole.Amount)
            {
                return false;
            }
            // After a zero ("Fe0.5H2O") a decimal is the only sensible reading.
            var digits = _formula.AsSpan(digitsStart, dot - digitsStart);
            if (!digits.IsEmpty && !digits.ContainsAnyExcept('0'))
            {
                return false;
            }
            var coefficientEnd = ScanNumber(dot + 1, NumberRole.Coefficient);
            if (coefficientEnd == dot + 1)
            {
                return false;
            }
            var water = SkipWhitespace(coefficientEnd);
            if (!_formula.AsSpan(water, _end - water).StartsWith("H2O", StringComparison.Ordinal))
            {
                return false;
            }
            var after = SkipWhitespace(water + 3);
            if (after >= _end)
            {
                return true;
            }
            var c = _formula[after];
            // "H2O." ends the part only when that dot is not O's decimal amount ("H2O.5").
            return IsClosingBracket(c)
                || (IsAdduct(c) && !(c == '.' && after + 1 < _end && char.IsAsciiDigit(_formula[after + 1])));
        }

        // Multiplies every amount by a group's amount or a part's coefficient, written as factorText
        // at factorPosition; checked here so that no infinity (and no ∞ × 0 = NaN) gets further.
        private void Scale(List<KeyValuePair<string, double>> terms, double factor, string factorText, int factorPosition)
        {
            if (factor == 1)
            {
                return;
            }
            for (var i = 0; i < terms.Count; i++)
            {
                var amount = terms[i].Value * factor;
                if (double.IsInfinity(amount))
                {
                    throw Error($"Amount of {terms[i].Key} is too large after multiplying by '{factorText}'", factorPosition);
                }
                terms[i] = KeyValuePair.Create(terms[i].Key, amount);
            }
        }

        private void SkipWhitespace() => _position = SkipWhitespace(_position);

        private int SkipWhitespace(int at)
        {
            while (at < _end && char.IsWhiteSpace(_formula[at]))
            {
                at++;
            }
            return at;
        }

        private int SkipDigits(int at)
        {
            while (at < _end && char.IsAsciiDigit(_formula[at]))
            {
                at++;
            }
            return at;
        }

        private FormulaException Error(string problem, int position) => new(problem, _formula, position);

        private static bool IsOpeningBracket(char c) => c is '(' or '[' or '{';

        private static bool IsClosingBracket(char c) => c is ')' or ']' or '}';

        private static char ClosingBracketOf(char opening) => opening switch
        {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };

        // U+00B7 middle dot (the chemists' one), U+2022 bullet, U+2219 bullet operator and U+22C5
        // dot operator (what word processors and PDFs turn it into), '*' (ASCII), and '.'.
        private static bool IsAdduct(char c) => c is '·' or '•' or '∙' or '⋅' or '*' or '.';
    }

    /// <summary>A group being read: its opening bracket and where it is, for error messages.</summary>
    private readonly record struct OpenGroup(char Bracket, int Position);

    /// <summary>Where a number stands, which decides how a dot after its digits is read.</summary>
    private enum NumberRole
    {
        /// <summary>After an element symbol or a closing bracket.</summary>
        Amount,

        /// <summary>At the start of a part.</summary>
        Coefficient,

        /// <summary>After the '/' of a fraction.</summary>
        Denominator,
    }

    private static string NounOf(NumberRole role) => role == NumberRole.Coefficient ? "Coefficient" : "Amount";
}
