using ZiyadMessenger.Host.Cli;

return await CommandLine.RunAsync(args);
