using ZiyadMessenger.Host;

var app = ZiyadServer.Build(args);
await ZiyadServer.StartAsync(app);
await app.WaitForShutdownAsync();
return 0;
