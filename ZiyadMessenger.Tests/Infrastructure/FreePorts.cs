using System.Net;
using System.Net.Sockets;

namespace ZiyadMessenger.Tests.Infrastructure;

/// <summary>
/// Hands out ports for test hosts. They come from below the OS's ephemeral range: a port the OS picked
/// for us with port 0 lies inside that range, where any outgoing connection (the tests make thousands)
/// may take it again between our check and the host's bind.
/// </summary>
internal static class FreePorts
{
    private const int Low = 15000;
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];
    private static readonly int High = EphemeralLow();
    private static int _next = Low + Random.Shared.Next(Math.Max(1, High - Low));

    /// <summary>Ports that are free now and that this test run has not handed out before.</summary>
    public static int[] Take(int count)
    {
        lock (Gate)
        {
            var ports = new List<int>();
            for (var tried = 0; ports.Count < count; tried++)
            {
                var port = High - Low > 1000 && tried < 20_000 ? NextCandidate() : AskTheOs();
                if (!Handed.Contains(port) && IsFree(port))
                {
                    Handed.Add(port);
                    ports.Add(port);
                }
            }

            return ports.ToArray();
        }
    }

    private static int NextCandidate()
    {
        _next = _next + 1 >= High ? Low : _next + 1;
        return _next;
    }

    private static int AskTheOs()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        try
        {
            var range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return int.Parse(range[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }
}
