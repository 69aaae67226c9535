using System.Globalization;
using CrossPropertyILGPU.Transfer.Chemistry;
using CrossPropertyILGPU.Transfer.Tests.Support;

namespace CrossPropertyILGPU.Transfer.Tests.Chemistry;

/// <summary>
/// The 145 physical attributes against values worked out by hand from the tables in data/magpie
/// (each table value used is quoted in the comments), against the labels matminer writes, and
/// against complete vectors from an independent re-implementation of the specification.
/// </summary>
public sealed class PhysicalAttributesTests
{
    // Doubles from a handful of additions and one pow/exp: agreement to ~1e-15 relative is
    // expected; 1e-12 leaves room for summation order without hiding a wrong term.
    private const double Tolerance = 1e-12;

    private static double[] Attributes(string formula)
    {
        var values = new double[PhysicalAttributes.Width];
        Assert.That(PhysicalAttributes.TryCompute(FormulaParser.Parse(formula), values, out var problem), Is.True, problem);
        return values;
    }

    private static double Feature(double[] values, string name)
    {
        var index = PhysicalAttributes.Names.ToList().IndexOf(name);
        Assert.That(index, Is.Not.Negative, name);
        return values[index];
    }

    private static void AssertFeatures(double[] values, params (string Name, double Expected)[] expected)
    {
        Assert.Multiple(() =>
        {
            foreach (var (name, value) in expected)
            {
                Assert.That(Feature(values, name), Is.EqualTo(value).Within(Tolerance * Math.Max(1, Math.Abs(value))), name);
            }
        });
    }

    [Test]
    public void Names_AreMatminersLabelsInOrder()
    {
        var labels = File.ReadAllLines(Path.Combine(TestFiles.RepositoryRoot(), "data", "magpie", "feature_labels_145.txt"))
            .Where(line => line.Length > 0).ToArray();

        Assert.That(PhysicalAttributes.Names, Has.Count.EqualTo(PhysicalAttributes.Width));
        Assert.That(PhysicalAttributes.Names, Is.EqualTo(labels).AsCollection);
    }

    [TestCase("NaCl")]
    [TestCase("Fe2O3")]
    [TestCase("Al0.5CoCrFeNi")]
    public void TryCompute_ElemNetElements_AllFeaturesFinite(string formula)
    {
        Assert.That(Attributes(formula), Has.All.Matches<double>(double.IsFinite));
    }

    /// <summary>
    /// NaCl: Na 1, Cl 1, so A = 2 and f = 0.5, 0.5. Tables (Na, Cl): Number 11, 17; MeltingT
    /// 370.87, 171.6; Electronegativity 0.93, 3.16; GSvolume_pa 29.2433333333, 24.4975; NsValence
    /// 1, 2; NpValence 0, 5; pymatgen X 0.93, 3.16; common oxidation states Na {+1}, Cl {−1, 1, 3, 5, 7}.
    /// </summary>
    [Test]
    public void TryCompute_NaCl_MatchesHandArithmetic()
    {
        var ionic = 1 - Math.Exp(-0.25 * (3.16 - 0.93) * (3.16 - 0.93)); // 1 − exp(−0.25 · 2.23²) = 1 − exp(−1.243225)
        AssertFeatures(Attributes("NaCl"),
            ("0-norm", 2),
            ("2-norm", Math.Sqrt(0.5)),                  // (0.5² + 0.5²)^(1/2)
            ("3-norm", Math.Pow(0.25, 1.0 / 3)),         // (2 · 0.125)^(1/3)
            ("10-norm", Math.Pow(2, -0.9)),              // (2 · 2⁻¹⁰)^(1/10)
            ("MagpieData minimum Number", 11),
            ("MagpieData maximum Number", 17),
            ("MagpieData range Number", 6),
            ("MagpieData mean Number", 14),              // (11 + 17) / 2
            ("MagpieData avg_dev Number", 3),            // (|11 − 14| + |17 − 14|) / 2
            ("MagpieData mode Number", 11),              // equal amounts: the smaller value
            ("MagpieData range MeltingT", 370.87 - 171.6),
            ("MagpieData mean MeltingT", (370.87 + 171.6) / 2),
            ("MagpieData avg_dev MeltingT", (370.87 - 171.6) / 2),
            ("MagpieData mode MeltingT", 171.6),         // Cl's, the smaller
            ("MagpieData mean Electronegativity", 2.045),
            ("MagpieData avg_dev Electronegativity", 1.115),
            ("MagpieData mode Electronegativity", 0.93),
            ("MagpieData minimum GSvolume_pa", 24.4975),
            ("MagpieData mean GSvolume_pa", (29.2433333333 + 24.4975) / 2),
            ("avg s valence electrons", 1.5),            // 0.5 · 1 + 0.5 · 2
            ("avg p valence electrons", 2.5),            // 0.5 · 0 + 0.5 · 5
            ("avg d valence electrons", 0),
            ("compound possible", 1),                    // +1 · 1 + (−1) · 1 = 0
            ("max ionic char", ionic),
            ("avg ionic char", 0.25 * ionic));           // f_Na · f_Cl · I, the one pair once
    }

    /// <summary>
    /// Fe2O3: Fe 2, O 3, A = 5, f = 0.4, 0.6. Tables (Fe, O): Number 26, 8; MendeleevNumber 55, 87;
    /// CovalentRadius 132, 66; GSmagmom 2.1106628, 0; Ns 2, 2; Np 0, 4; Nd 6, 0; pymatgen X 1.83,
    /// 3.44; oxidation states Fe {2, 3}, O {−2}. The Number, valence and ionic values are also
    /// matminer's own unit-test values.
    /// </summary>
    [Test]
    public void TryCompute_Fe2O3_MatchesHandArithmetic()
    {
        var ionic = 1 - Math.Exp(-0.25 * (3.44 - 1.83) * (3.44 - 1.83)); // 1 − exp(−0.648025) = 0.476922164…
        AssertFeatures(Attributes("Fe2O3"),
            ("0-norm", 2),
            ("2-norm", Math.Sqrt(0.52)),                             // (0.16 + 0.36)^(1/2)
            ("7-norm", Math.Pow(Math.Pow(0.4, 7) + Math.Pow(0.6, 7), 1.0 / 7)), // 0.604895199…
            ("MagpieData minimum Number", 8),
            ("MagpieData maximum Number", 26),
            ("MagpieData range Number", 18),
            ("MagpieData mean Number", 15.2),                       // (2 · 26 + 3 · 8) / 5 = 76 / 5
            ("MagpieData avg_dev Number", 8.64),                    // (2 · 10.8 + 3 · 7.2) / 5
            ("MagpieData mode Number", 8),                          // O has the larger amount
            ("MagpieData mean MendeleevNumber", 74.2),              // (2 · 55 + 3 · 87) / 5 = 371 / 5
            ("MagpieData avg_dev MendeleevNumber", 15.36),          // (2 · 19.2 + 3 · 12.8) / 5
            ("MagpieData mode MendeleevNumber", 87),
            ("MagpieData mean CovalentRadius", 92.4),               // (264 + 198) / 5
            ("MagpieData avg_dev CovalentRadius", 31.68),           // (2 · 39.6 + 3 · 26.4) / 5
            ("MagpieData minimum GSmagmom", 0),
            ("MagpieData maximum GSmagmom", 2.1106628),
            ("MagpieData mean GSmagmom", 0.84426512),               // 2 · 2.1106628 / 5
            ("MagpieData avg_dev GSmagmom", 1.013118144),           // (2 · 1.26639768 + 3 · 0.84426512) / 5
            ("MagpieData mode GSmagmom", 0),
            ("avg s valence electrons", 2.0),                       // 0.4 · 2 + 0.6 · 2
            ("avg p valence electrons", 2.4),                       // 0.6 · 4
            ("avg d valence electrons", 2.4),                       // 0.4 · 6
            ("avg f valence electrons", 0),
            ("compound possible", 1),                               // 2 · (+3) + 3 · (−2) = 0
            ("max ionic char", ionic),
            ("avg ionic char", 0.4 * 0.6 * ionic));                 // 0.114461319…
    }

    /// <summary>
    /// Al0.5CoCrFeNi, a five-element alloy: amounts 0.5, 1, 1, 1, 1; A = 4.5; f = 1/9, then 2/9 each.
    /// Tables (Al, Co, Cr, Fe, Ni): Number 13, 27, 24, 26, 28; MeltingT 933.47, 1768, 2180, 1811,
    /// 1728; Column 13, 9, 6, 8, 10; NsValence 2, 2, 1, 2, 2; NdValence 0, 7, 5, 6, 8; pymatgen X
    /// 1.61, 1.88, 1.66, 1.83, 1.91; oxidation states all positive (Al {3}, Co {2, 3}, Cr {3, 6},
    /// Fe {2, 3}, Ni {2}). The four elements tied on the largest amount decide every mode; Al, the
    /// smallest value of most properties, must not.
    /// </summary>
    [Test]
    public void TryCompute_FiveElementAlloy_MatchesHandArithmetic()
    {
        double[] x = [1.61, 1.88, 1.66, 1.83, 1.91];
        double[] f = [1.0 / 9, 2.0 / 9, 2.0 / 9, 2.0 / 9, 2.0 / 9];
        // The ten pairs i < j, each once: Σ f_i f_j (1 − exp(−(X_i − X_j)²/4)).
        var averageIonic = 0.0;
        for (var i = 0; i < 5; i++)
        {
            for (var j = i + 1; j < 5; j++)
            {
                averageIonic += f[i] * f[j] * (1 - Math.Exp(-0.25 * (x[i] - x[j]) * (x[i] - x[j])));
            }
        }
        AssertFeatures(Attributes("Al0.5CoCrFeNi"),
            ("0-norm", 5),
            ("2-norm", Math.Sqrt(17) / 9),                 // ((1/9)² + 4 · (2/9)²)^(1/2) = (17/81)^(1/2)
            ("MagpieData minimum Number", 13),
            ("MagpieData maximum Number", 28),
            ("MagpieData range Number", 15),
            ("MagpieData mean Number", 223.0 / 9),          // (0.5 · 13 + 27 + 24 + 26 + 28) / 4.5 = 111.5 / 4.5
            ("MagpieData avg_dev Number", 80.0 / 27),       // (0.5 · 106/9 + 20/9 + 7/9 + 11/9 + 29/9) / 4.5
            ("MagpieData mode Number", 24),                 // min over Co, Cr, Fe, Ni (Al's 13 is not a candidate)
            ("MagpieData minimum MeltingT", 933.47),
            ("MagpieData range MeltingT", 2180 - 933.47),
            ("MagpieData mean MeltingT", (0.5 * 933.47 + 1768 + 2180 + 1811 + 1728) / 4.5),
            ("MagpieData mode MeltingT", 1728),             // Ni's, the smallest of the four
            ("MagpieData mode Column", 6),                  // Cr's
            ("avg s valence electrons", 8.0 / 4.5),         // (0.5 · 2 + 2 + 1 + 2 + 2) / 4.5
            ("avg d valence electrons", 52.0 / 9),          // 2/9 · (7 + 5 + 6 + 8)
            ("MagpieData mean NdValence", 26 / 4.5),        // the same average, by amount
            ("compound possible", 0),                       // no negative state to balance
            ("max ionic char", 1 - Math.Exp(-0.25 * 0.3 * 0.3)), // Al–Ni, |1.61 − 1.91| = 0.30, the widest pair
            ("avg ionic char", averageIonic));
    }

    [Test]
    public void TryCompute_SingleElement_IsOnesAndNoIonicCharacter()
    {
        var al = Attributes("Al");
        AssertFeatures(al,
            ("0-norm", 1), ("2-norm", 1), ("10-norm", 1),
            ("MagpieData mean Number", 13), ("MagpieData range Number", 0), ("MagpieData avg_dev Number", 0), ("MagpieData mode Number", 13),
            ("compound possible", 1), ("max ionic char", 0), ("avg ionic char", 0));
    }

    [Test]
    public void TryCompute_Fe3O4_FastModeTriesNoMixedValence()
    {
        // 3 · 2 + 4 · (−2) = −2 and 3 · 3 − 8 = 1: no single state of Fe balances; Fe2+Fe3+2 would.
        Assert.That(Feature(Attributes("Fe3O4"), "compound possible"), Is.Zero);
    }

    [Test]
    public void TryCompute_ScaledFormulas_GiveTheSameVector()
    {
        // matminer's own test: FeO, Fe0.5O0.5 and Fe2O2 give identical stoichiometry; so does every block.
        var reference = Attributes("FeO");
        Assert.That(Attributes("Fe0.5O0.5"), Is.EqualTo(reference).AsCollection.Within(Tolerance));
        Assert.That(Attributes("Fe2O2"), Is.EqualTo(reference).AsCollection.Within(Tolerance));
    }

    [TestCase("HeF2", "He has no MeltingT value in the Magpie tables")]
    [TestCase("ArCl", "Ar has no Electronegativity value in the Magpie tables")]
    [TestCase("BkO2", "Bk has no CovalentRadius value in the Magpie tables")]
    public void TryCompute_MissingTableValue_IsReportedNotFilled(string formula, string problem)
    {
        var values = new double[PhysicalAttributes.Width];
        Array.Fill(values, 7.0);

        Assert.That(PhysicalAttributes.TryCompute(FormulaParser.Parse(formula), values, out var reason), Is.False);
        Assert.That(reason, Is.EqualTo(problem));
        Assert.That(values, Has.All.Zero, "cleared, never partly written");
    }

    /// <summary>
    /// data/magpie/reference_vectors_reimplementation.tsv: full vectors from an independent
    /// re-implementation of the specification (not matminer itself), a cross-check of every
    /// feature at once. It imputes missing values as matminer 0.10 does; this engine reports them
    /// instead, so its ArCl (Ar has no Electronegativity) and U2Og3 (Og has none of the tables)
    /// columns must come out as not computable.
    /// </summary>
    [Test]
    public void TryCompute_ReferenceVectors_AgreeEverywhereOrAreReportedMissing()
    {
        var lines = File.ReadAllLines(Path.Combine(TestFiles.RepositoryRoot(), "data", "magpie", "reference_vectors_reimplementation.tsv"));
        var formulas = lines[0].Split('\t')[1..];
        var rows = lines[1..].Select(line => line.Split('\t')).ToArray();
        Assert.That(rows.Select(r => r[0]), Is.EqualTo(PhysicalAttributes.Names).AsCollection);

        var compared = 0;
        for (var c = 0; c < formulas.Length; c++)
        {
            var values = new double[PhysicalAttributes.Width];
            var ok = PhysicalAttributes.TryCompute(FormulaParser.Parse(formulas[c]), values, out var problem);
            if (formulas[c] is "ArCl" or "U2Og3")
            {
                Assert.That(ok, Is.False, formulas[c]);
                Assert.That(problem, Does.Contain("has no"), formulas[c]);
                continue;
            }
            Assert.That(ok, Is.True, $"{formulas[c]}: {problem}");
            for (var i = 0; i < rows.Length; i++)
            {
                var expected = double.Parse(rows[i][c + 1], CultureInfo.InvariantCulture);
                Assert.That(values[i], Is.EqualTo(expected).Within(Tolerance * Math.Max(1, Math.Abs(expected))), $"{formulas[c]}: {rows[i][0]}");
            }
            compared++;
        }
        Assert.That(compared, Is.EqualTo(formulas.Length - 2));
    }

    /// <summary>
    /// The partial-sum search for 'compound possible' against matminer's plain walk over the
    /// Cartesian product of oxidation states, on random compositions of ElemNet's elements.
    /// </summary>
    [Test]
    public void ChargeBalancePossible_MatchesTheCartesianProductWalk()
    {
        var random = new Random(145);
        double[] amounts = [1, 1, 1, 2, 2, 3, 4, 0.5, 0.25, 1.0 / 3, 0.1, 1.5];
        // An element with negative states first, so that balanced compounds are common enough.
        string[] anions = ["O", "S", "F", "Cl", "N", "Se", "Br", "I", "C", "P", "H", "Te"];
        var outcomes = new int[2];
        for (var trial = 0; trial < 2000; trial++)
        {
            var count = random.Next(2, 6);
            var anion = anions[random.Next(anions.Length)];
            var symbols = ElementTable.ElemNetElements.Where(e => e != anion).OrderBy(_ => random.Next()).Take(count - 1).Prepend(anion).ToArray();
            var z = symbols.Select(ElementTable.AtomicNumber).ToArray();
            var a = symbols.Select(_ => amounts[random.Next(amounts.Length)]).ToArray();

            var expected = ProductWalk(z, a, 0, 0.0);
            Assert.That(PhysicalAttributes.ChargeBalancePossible(z, a), Is.EqualTo(expected),
                string.Join(" ", symbols.Zip(a, (s, v) => $"{s}{v}")));
            outcomes[expected ? 1 : 0]++;
        }
        Assert.That(outcomes, Has.All.GreaterThan(100), "both answers well represented");
    }

    /// <summary>
    /// Fourteen elements with 1,555,200 combinations of common states (C alone has nine). At their
    /// highest states C +4, Cl +7, Br +5, I +7, N +5, S +6, P +5, Mn +7, Cr +6, V +5, Re +7, Fe +3,
    /// Co +3, Ni +2 give +72: 36 oxygens (−2 each) balance that, 37 are beyond reach.
    /// </summary>
    [TestCase(36, true)]
    [TestCase(37, false)]
    public void ChargeBalancePossible_ManyElementsWithManyStates_IsDecided(int oxygens, bool possible)
    {
        var composition = FormulaParser.Parse($"CClBrINSPMnCrVReFeCoNiO{oxygens}");
        var z = composition.Amounts.Select(p => ElementTable.AtomicNumber(p.Key)).ToArray();
        var a = composition.Amounts.Select(p => p.Value).ToArray();

        Assert.That(PhysicalAttributes.ChargeBalancePossible(z, a), Is.EqualTo(possible));
    }

    // matminer's IonProperty(fast=True): every combination, summed left to right, isclose to 0.
    private static bool ProductWalk(int[] z, double[] a, int i, double sum)
    {
        if (i == z.Length)
        {
            return Math.Abs(sum) <= 1e-8;
        }
        foreach (var state in MagpieTables.CommonOxidationStates[z[i]])
        {
            if (ProductWalk(z, a, i + 1, sum + state * a[i]))
            {
                return true;
            }
        }
        return false;
    }
}
