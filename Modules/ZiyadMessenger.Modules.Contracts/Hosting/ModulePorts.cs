namespace ZiyadMessenger.Modules.Contracts.Hosting;

/// <summary>
/// The port each module listens on, as configured. The web client asks Messaging for it so that it
/// can reach Auth, Files and Presence on the same server.
/// </summary>
public sealed record ModulePorts(IReadOnlyDictionary<string, int> Ports)
{
    public int this[string module] => Ports[module];
}
