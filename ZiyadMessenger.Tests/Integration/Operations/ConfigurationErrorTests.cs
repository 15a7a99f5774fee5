using System.Net;
using System.Net.Sockets;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Operations;

/// <summary>
/// What an office admin sees when a setting is wrong: the program stops at once with a non-zero exit
/// and one line naming the setting and the problem, never a stack trace.
/// </summary>
public sealed class ConfigurationErrorTests
{
    public static TheoryData<string, string, string> EnvironmentCases => new()
    {
        // environment variable, its value, the line must contain
        { "ZiyadMessenger__Ports__Admin", "abc", "ZiyadMessenger:Ports:Admin: 'abc' is not a port number" },
        { "ZiyadMessenger__Ports__Files", "70000", "ZiyadMessenger:Ports:Files: '70000' is not a port number" },
        { "ZiyadMessenger__Ports__Cluster", "0", "ZiyadMessenger:Ports:Cluster: '0' is not a port number" },
        { "ZiyadMessenger__ShutdownTimeoutSeconds", "soon", "ZiyadMessenger:ShutdownTimeoutSeconds: 'soon' is not a whole number" },
        { "ZiyadMessenger__Auth__RegistrationEnabled", "perhaps", "ZiyadMessenger:Auth:RegistrationEnabled: 'perhaps' is not true or false" },
        { "ZiyadMessenger__Logging__RetainedDays", "two weeks", "ZiyadMessenger:Logging:RetainedDays: 'two weeks' is not a whole number" },
        { "ZiyadMessenger__BindAddress", "999.1.1.1", "ZiyadMessenger:BindAddress: '999.1.1.1' is not an IP address" },
    };

    [Theory]
    [MemberData(nameof(EnvironmentCases))]
    public async Task A_malformed_setting_stops_the_server_with_one_line_naming_it(string variable, string value, string expected)
    {
        var (code, lines) = await RunUntilExitAsync(environment: new() { [variable] = value });

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should().Contain(expected);
    }

    /// <summary>
    /// Well-formed values that cannot work, one per setting of every module and the Host: each is checked
    /// by its options validator when the server starts. Before, some threw from deep in a module (a stack
    /// trace, exit 134) and others were clamped or silently switched a protection off.
    /// </summary>
    public static TheoryData<string, string, string> OutOfRangeCases => new()
    {
        // environment variable, its value, the line must contain
        { "ZiyadMessenger__Cluster__JoinSecret", "short", "ZiyadMessenger:Cluster:JoinSecret: must be at least 16 characters" },
        { "ZiyadMessenger__Cluster__NodeTimeoutSeconds", "0", "ZiyadMessenger:Cluster:NodeTimeoutSeconds: '0' is not between 1 and 86400" },
        { "ZiyadMessenger__Presence__OfflineAfterSeconds", "0", "ZiyadMessenger:Presence:OfflineAfterSeconds: '0' is not more than 0" },
        { "ZiyadMessenger__Files__MaxUploadBytes", "-1", "ZiyadMessenger:Files:MaxUploadBytes: '-1' is not between 1 and" },
        { "ZiyadMessenger__Auth__LockoutFailures", "-1", "ZiyadMessenger:Auth:LockoutFailures: '-1' is not between 0 (no lockout) and 1000" },
        { "ZiyadMessenger__Auth__LockoutMinutes", "0", "ZiyadMessenger:Auth:LockoutMinutes: '0' is not more than 0" },
        { "ZiyadMessenger__Auth__TokenLifetimeMinutes", "0", "ZiyadMessenger:Auth:TokenLifetimeMinutes: '0' is not between 1 and 129600" },
        { "ZiyadMessenger__Admin__LockoutFailures", "0", "ZiyadMessenger:Admin:LockoutFailures: '0' is not between 1 and 1000" },
        { "ZiyadMessenger__Admin__LockoutMinutes", "-3", "ZiyadMessenger:Admin:LockoutMinutes: '-3' is not between 1 and 1440" },
        { "ZiyadMessenger__Admin__TokenLifetimeMinutes", "1", "ZiyadMessenger:Admin:TokenLifetimeMinutes: '1' is not between 5 and 10080" },
        { "ZiyadMessenger__Admin__LiveTickMilliseconds", "10", "ZiyadMessenger:Admin:LiveTickMilliseconds: '10' is not between 200 and 60000" },
        { "ZiyadMessenger__Messaging__MaxContentBytes", "0", "ZiyadMessenger:Messaging:MaxContentBytes: '0' is not between 1 and" },
        { "ZiyadMessenger__Audit__QueueCapacity", "0", "ZiyadMessenger:Audit:QueueCapacity: '0' is not between 1 and" },
        { "ZiyadMessenger__Logging__RetainedDays", "0", "ZiyadMessenger:Logging:RetainedDays: '0' is not between 1 and 3650 days" },
        { "ZiyadMessenger__Logging__RetainedDays", "many", "ZiyadMessenger:Logging:RetainedDays: 'many' is not" },
        { "ZiyadMessenger__Store__Provider", "oracle", "ZiyadMessenger:Store:Provider: 'oracle' is not a store provider" },
        { "ZiyadMessenger__Store__Provider", "postgres", "ZiyadMessenger:Store:ConnectionString: is required when Provider is 'postgres'" },
        { "ZiyadMessenger__Audit__MaxBatch", "-1", "ZiyadMessenger:Audit:MaxBatch: '-1' is not between 1 and" },
        { "ZiyadMessenger__RateLimits__PermitsPerWindow", "-1", "ZiyadMessenger:RateLimits:PermitsPerWindow: '-1' is not 0 (no limit) or more" },
        { "ZiyadMessenger__RateLimits__WindowSeconds", "0", "ZiyadMessenger:RateLimits:WindowSeconds: '0' is not between 1 and 3600" },
        { "ZiyadMessenger__RateLimits__LoginPermitsPerMinute", "-5", "ZiyadMessenger:RateLimits:LoginPermitsPerMinute: '-5' is not 0 (no limit) or more" },
        { "ZiyadMessenger__RateLimits__TrustedProxies__0", "the-proxy", "ZiyadMessenger:RateLimits:TrustedProxies[0]: 'the-proxy' is neither an IP address nor a network" },
        { "ZiyadMessenger__ShutdownTimeoutSeconds", "-1", "ZiyadMessenger:ShutdownTimeoutSeconds: '-1' is not between 0 and 3600" },
        { "ZiyadMessenger__Limits__DefaultMaxBodyBytes", "10", "ZiyadMessenger:Limits:DefaultMaxBodyBytes: '10' is not between 1024 and" },
    };

    [Theory]
    [MemberData(nameof(OutOfRangeCases))]
    public async Task A_setting_that_cannot_work_stops_the_server_with_one_line_naming_it(string variable, string value, string expected)
    {
        var (code, lines) = await RunUntilExitAsync(environment: new() { [variable] = value });

        code.Should().Be(78, string.Join('\n', lines));
        lines.Should().ContainSingle().Which.Should().StartWith("Configuration error: ").And.Contain(expected);
    }

    [Fact]
    public async Task A_secret_setting_that_cannot_work_is_named_but_never_printed()
    {
        var (code, lines) = await RunUntilExitAsync(environment: new() { ["ZiyadMessenger__Admin__InitialPassword"] = "Sh0rt!" });

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should().Contain("ZiyadMessenger:Admin:InitialPassword: must be 8 to 128 characters")
            .And.NotContain("Sh0rt!");
    }

    [Fact]
    public async Task A_port_used_twice_names_both_settings()
    {
        var ports = FreePortMap();
        ports[ModuleNames.Audit] = ports[ModuleNames.Presence];

        var (code, lines) = await RunUntilExitAsync(ports: ports);

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should()
            .Contain("ZiyadMessenger:Ports:Presence and ZiyadMessenger:Ports:Audit")
            .And.Contain($"port {ports[ModuleNames.Audit]} is used twice");
    }

    [Fact]
    public async Task A_port_taken_by_another_program_names_its_setting()
    {
        // From FreePorts, so no other test is handed the port this one holds.
        var ports = FreePortMap();
        using var squatter = new TcpListener(IPAddress.Loopback, ports[ModuleNames.Messaging]);
        squatter.Start();

        var (code, lines) = await RunUntilExitAsync(ports: ports);

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should()
            .Contain($"ZiyadMessenger:Ports:Messaging: port {ports[ModuleNames.Messaging]} is already in use");
    }

    public static TheoryData<string> UnwritableDirectories()
    {
        var data = new TheoryData<string> { "below-a-file" };
        if (!OperatingSystem.IsWindows() && Environment.UserName != "root")
        {
            data.Add("read-only"); // root writes through permissions, so this case only means something for other users
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(UnwritableDirectories))]
    public async Task An_unwritable_data_directory_is_named(string kind)
    {
        var root = TestHost.NewDataDirectory();
        try
        {
            string target;
            if (kind == "below-a-file")
            {
                var file = Path.Combine(root, "not-a-folder");
                await File.WriteAllTextAsync(file, "x");
                target = Path.Combine(file, "data");
            }
            else if (!OperatingSystem.IsWindows())
            {
                target = Path.Combine(root, "locked");
                Directory.CreateDirectory(target);
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserExecute);
            }
            else
            {
                return;
            }

            var (code, lines) = await RunUntilExitAsync(environment: new() { ["ZiyadMessenger__DataDirectory"] = target });

            code.Should().Be(78);
            lines.Should().ContainSingle().Which.Should().Contain($"ZiyadMessenger:DataDirectory: '{target}'");
        }
        finally
        {
            if (!OperatingSystem.IsWindows() && Directory.Exists(Path.Combine(root, "locked")))
            {
                File.SetUnixFileMode(Path.Combine(root, "locked"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public async Task A_missing_config_file_is_named()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"ziyad-no-such-{Guid.NewGuid():N}.json");

        var (code, lines) = await RunUntilExitAsync(args: ["--config", missing]);

        code.Should().Be(78);
        lines.Should().ContainSingle().Which.Should().Contain($"--config: the settings file '{missing}' does not exist");
    }

    [Fact]
    public async Task A_config_file_that_is_not_json_is_named_with_the_position()
    {
        var file = Path.Combine(Path.GetTempPath(), $"ziyad-bad-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{ \"ZiyadMessenger\": { \"Ports\": { \"Admin\": 8090, } ");
        try
        {
            var (code, lines) = await RunUntilExitAsync(args: ["--config", file]);

            code.Should().Be(78);
            lines.Should().ContainSingle().Which.Should().Contain($"'{file}' is not valid JSON").And.Contain("LineNumber");
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var (code, lines) = await RunUntilExitAsync(args: ["frobnicate"]);

        code.Should().Be(64);
        lines.Should().ContainSingle().Which.Should().Contain("unknown command 'frobnicate'").And.Contain("--help");
    }

    private static Dictionary<string, int> FreePortMap() =>
        ModuleNames.All.Zip(FreePorts.Take(ModuleNames.All.Count)).ToDictionary(p => p.First, p => p.Second);

    /// <summary>Starts the server, waits for it to give up, and returns its exit code and non-empty output lines.</summary>
    internal static async Task<(int Code, string[] Lines)> RunUntilExitAsync(
        Dictionary<string, string>? environment = null,
        IReadOnlyDictionary<string, int>? ports = null,
        string[]? args = null)
    {
        var directory = TestHost.NewDataDirectory();
        try
        {
            await using var host = await HostProcess.StartAsync(directory, environment, ports, args, waitUntilReady: false);
            var code = await host.WaitForExitAsync(TimeSpan.FromSeconds(60));
            var lines = host.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            lines.Should().NotContain(l => l.StartsWith("at ", StringComparison.Ordinal), "no stack trace is shown");
            return (code, lines);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
