namespace CrossPropertyILGPU.Transfer.Data;

/// <summary>What <see cref="Featurizer"/> does with a row it cannot featurise (<see cref="FeaturizerOptions.OnUnsupported"/>).</summary>
public enum UnsupportedRowAction
{
    /// <summary>Leave the row out and list it in <see cref="FeaturizedData.Skipped"/> with the reason (the default).</summary>
    Skip,

    /// <summary>Throw a <see cref="DataFileException"/> naming the file, line, formula and the problem.</summary>
    Error,
}
