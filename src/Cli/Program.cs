using CrossPropertyILGPU.Cli;

return CliApp.Run(args);
