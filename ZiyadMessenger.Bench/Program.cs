using ZiyadMessenger.Bench;

return await BenchCli.MainAsync(args, Console.Out, CancellationToken.None);
