using System.CommandLine;
using CrossPropertyILGPU.Transfer;
using CrossPropertyILGPU.Transfer.Export;
using CrossPropertyILGPU.Transfer.Fit;

namespace CrossPropertyILGPU.Cli.Verbs;

/// <summary><c>export</c>: a saved model in another format (ONNX).</summary>
internal static class ExportVerb
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Run folder, model.json or model.safetensors, or a fit folder whose model is one network.", Required = true };
        var format = new Option<string>("--format") { Description = "Output format: onnx.", DefaultValueFactory = _ => "onnx" };
        var output = new Option<string>("--output") { Description = "File to write, e.g. model.onnx.", Required = true };
        var command = new Command("export", "Write a saved model as ONNX (input 'features' [batch, width] before input scaling, output 'prediction' [batch, 1] in target units).");
        foreach (var option in new Option[] { model, format, output })
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliApp.Guard(parse, () =>
        {
            if (parse.GetValue(format) is var kind and not "onnx")
            {
                throw new UsageException($"--format {kind}: the only export format is onnx.");
            }
            var modelPath = parse.GetValue(model)!;
            if (FitModel.IsFitFolder(modelPath))
            {
                // Only a fit whose model is one network is one ONNX graph; otherwise SingleNetwork says what it is.
                var fit = FitModel.Load(modelPath);
                modelPath = fit.SingleNetwork();
                if (fit.File.ClipAtZero)
                {
                    parse.InvocationConfiguration.Error.WriteLine("note: the fit clips predictions at 0; the ONNX graph does not (apply max(0, prediction) after it).");
                }
            }
            var nodes = OnnxExport.Write(modelPath, parse.GetValue(output)!);
            parse.InvocationConfiguration.Error.WriteLine($"wrote {parse.GetValue(output)}: {nodes.Count} nodes ({string.Join(", ", nodes.Distinct())}), opset {OnnxExport.Opset}");
            return CliApp.Success;
        }));
        return command;
    }
}
