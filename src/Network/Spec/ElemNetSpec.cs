using System.Globalization;
using System.Text;

namespace CrossPropertyILGPU.Network.Spec;

/// <summary>A block of <see cref="Count"/> ReLU dense layers of width <see cref="Units"/>, optionally followed by dropout.</summary>
/// <param name="Units">Width of each layer.</param>
/// <param name="Count">Number of layers.</param>
/// <param name="Dropout">True when the block ends in a dropout layer (the <c>D</c> flag).</param>
public sealed record LayerGroup(int Units, int Count, bool Dropout);

/// <summary>
/// ElemNet's architecture string, e.g. <c>1024x4D-512x3D-256x3D-128x3D-64x2-32x1-1</c>: blocks separated by
/// <c>-</c>; <c>WxK</c> is K ReLU dense layers of width W; a trailing <c>D</c> adds one dropout
/// after the block, taking the next keep probability in order; the last token (no <c>x</c>) is the
/// linear output layer's width. ElemNet's residual (<c>R</c>), batch-norm (<c>B</c>, <c>BA</c>) and
/// non-linear output (<c>1R</c>, <c>1T</c>) variants are rejected by name: the paper's models use none.
/// <see cref="ToString"/> gives back the canonical string, so Parse(s).ToString() == s for canonical s.
/// </summary>
public sealed class ElemNetSpec
{
    /// <summary>The architecture of ElemNet and of the paper's transfer models.</summary>
    public const string Default = "1024x4D-512x3D-256x3D-128x3D-64x2-32x1-1";

    /// <summary>ElemNet's keep probabilities for the four D blocks of <see cref="Default"/> (TF1 keep_prob).</summary>
    public static IReadOnlyList<float> DefaultKeepProbabilities { get; } = [0.8f, 0.9f, 0.7f, 0.8f];

    private ElemNetSpec(IReadOnlyList<LayerGroup> groups, int outputUnits)
    {
        Groups = groups;
        OutputUnits = outputUnits;
    }

    /// <summary>Hidden blocks, input side first.</summary>
    public IReadOnlyList<LayerGroup> Groups { get; }

    /// <summary>Width of the linear output layer.</summary>
    public int OutputUnits { get; }

    /// <summary>Number of dense layers including the output (17 for ElemNet).</summary>
    public int DenseLayerCount => Groups.Sum(g => g.Count) + 1;

    /// <summary>Number of blocks with a dropout, i.e. the keep probabilities needed.</summary>
    public int DropoutCount => Groups.Count(g => g.Dropout);

    /// <summary>Parses an architecture string.</summary>
    /// <exception cref="SpecFormatException">The string is malformed; the message names the token and its position.</exception>
    public static ElemNetSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Trim().Length == 0)
        {
            throw new SpecFormatException(text, 0, text, "the architecture string is empty");
        }
        var groups = new List<LayerGroup>();
        var tokens = text.Split('-');
        var position = 0;
        for (var t = 0; t < tokens.Length; t++)
        {
            var token = tokens[t];
            var isLast = t == tokens.Length - 1;
            if (token.Length == 0)
            {
                throw new SpecFormatException(text, position, token, "empty block (two '-' in a row, or a leading/trailing '-')");
            }
            var x = token.IndexOf('x', StringComparison.Ordinal);
            if (x < 0)
            {
                if (!isLast)
                {
                    throw new SpecFormatException(text, position, token, "only the last block may omit 'x' (it is the output layer); hidden blocks are written WIDTHxCOUNT");
                }
                var outputUnits = ParsePositive(text, position, token, token, "output width");
                return new ElemNetSpec(groups, outputUnits);
            }
            if (isLast)
            {
                throw new SpecFormatException(text, position, token, "the last block must be the output width (e.g. '1'), not a hidden block");
            }
            var units = ParsePositive(text, position, token, token[..x], "layer width");
            var rest = token[(x + 1)..];
            var digits = 0;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }
            var count = ParsePositive(text, position + x + 1, token, rest[..digits], "layer count");
            var flags = rest[digits..];
            var dropout = flags switch
            {
                "" => false,
                "D" => true,
                _ => throw UnsupportedFlags(text, position + x + 1 + digits, token, flags),
            };
            groups.Add(new LayerGroup(units, count, dropout));
            position += token.Length + 1;
        }
        // Unreachable: the loop returns at the last token.
        throw new SpecFormatException(text, 0, text, "no output layer");
    }

    /// <summary>
    /// The same hidden blocks under an output layer of <paramref name="units"/>: a multi-output
    /// source model's trunk with a fresh one-unit head, or the reverse.
    /// </summary>
    public ElemNetSpec WithOutputUnits(int units)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(units, 1);
        return units == OutputUnits ? this : new ElemNetSpec(Groups, units);
    }

    /// <summary>The canonical architecture string.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder();
        foreach (var group in Groups)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{group.Units}x{group.Count}{(group.Dropout ? "D" : "")}-");
        }
        return builder.Append(OutputUnits.ToString(CultureInfo.InvariantCulture)).ToString();
    }

    private static int ParsePositive(string text, int position, string token, string digits, string what)
    {
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
        {
            throw new SpecFormatException(text, position, token, $"{what} '{digits}' is not a positive integer");
        }
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1 || value > 1 << 20)
        {
            throw new SpecFormatException(text, position, token, $"{what} {digits} is out of range (1 to {1 << 20})");
        }
        return value;
    }

    private static SpecFormatException UnsupportedFlags(string text, int position, string token, string flags)
    {
        var reason = flags switch
        {
            _ when flags.Contains('R', StringComparison.Ordinal) => "residual blocks ('R') are not supported",
            _ when flags.Contains('B', StringComparison.Ordinal) => "batch normalisation ('B', 'BA') is not supported",
            _ => $"unknown flag(s) '{flags}'; the only block flag is 'D' (dropout)",
        };
        return new SpecFormatException(text, position, token, reason);
    }
}

/// <summary>A malformed architecture string: names the bad token and its position.</summary>
public sealed class SpecFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public SpecFormatException(string spec, int position, string token, string reason)
        : base($"Invalid architecture '{spec}': {reason} (token '{token}' at position {position}).")
    {
        Spec = spec;
        Position = position;
        Token = token;
        Reason = reason;
    }

    /// <summary>The whole string.</summary>
    public string Spec { get; }

    /// <summary>0-based character position of the problem.</summary>
    public int Position { get; }

    /// <summary>The offending token.</summary>
    public string Token { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
