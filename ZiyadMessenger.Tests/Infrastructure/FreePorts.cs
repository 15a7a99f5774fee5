using System.Net;
using System.Net.Sockets;

namespace ZiyadMessenger.Tests.Infrastructure;

internal static class FreePorts
{
    private static readonly object Gate = new();
    private static readonly HashSet<int> Handed = [];

    /// <summary>Ports the OS says are free now and that this test run has not handed out before.</summary>
    public static int[] Take(int count)
    {
        lock (Gate)
        {
            var ports = new List<int>();
            while (ports.Count < count)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                listener.Stop();
                if (Handed.Add(port))
                {
                    ports.Add(port);
                }
            }

            return ports.ToArray();
        }
    }
}
