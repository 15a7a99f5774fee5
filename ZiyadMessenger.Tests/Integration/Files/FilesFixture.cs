using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Files;

/// <summary>One host per class with a small upload limit, so the limit can be crossed cheaply.</summary>
public sealed class FilesFixture : IAsyncLifetime
{
    public const long MaxUploadBytes = 1024 * 1024;

    public TestHost Host { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Host = await TestHost.StartAsync(new Dictionary<string, string?>
        {
            ["ZiyadMessenger:Files:MaxUploadBytes"] = MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The files behaviour tests' host on one store, with the same small upload limit as <see cref="FilesFixture"/>.</summary>
public abstract class FilesStoreFixture(StoreKind kind) : StoreHostFixture(kind, new Dictionary<string, string?>
{
    ["ZiyadMessenger:Files:MaxUploadBytes"] = FilesFixture.MaxUploadBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
});

public sealed class FilesSqliteFixture() : FilesStoreFixture(StoreKind.Sqlite);

public sealed class FilesPostgresFixture() : FilesStoreFixture(StoreKind.Postgres);
