using System.Security.Cryptography;
using Mediator;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Files.Data;
using ZiyadMessenger.Modules.Files.Storage;

namespace ZiyadMessenger.Modules.Files.Upload;

/// <summary>Encrypts and stores one file read from <paramref name="Content"/>, which is read once, front to back.</summary>
internal sealed record StoreFile(string UploaderId, string? Name, string? ContentType, Stream Content) : ICommand<StoredFileResult>;

internal sealed record StoredFileResult(string FileId, string Key, string Name, long Size, string Mime);

internal sealed class StoreFileHandler(
    FilesDbContext db,
    FileStore store,
    FilesOptions options,
    IPublisher publisher,
    TimeProvider clock,
    ILogger<StoreFileHandler> logger) : ICommandHandler<StoreFile, StoredFileResult>
{
    public async ValueTask<StoredFileResult> Handle(StoreFile command, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var name = FileNames.Sanitize(command.Name);
        var mime = FileNames.Mime(command.ContentType, name);
        var key = FileKeys.NewKey();
        var tempPath = store.NewTempPath();
        var finalPath = store.PathFor(id);
        var placed = false;
        try
        {
            var (size, sha256) = await EncryptToAsync(command.Content, tempPath, key, cancellationToken);

            Directory.CreateDirectory(Path.GetDirectoryName(finalPath)!);
            File.Move(tempPath, finalPath);
            placed = true;

            var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
            var record = new StoredFile
            {
                Id = id.ToString("D"),
                Name = name,
                Size = size,
                Mime = mime,
                Sha256 = sha256,
                UploaderId = command.UploaderId,
                CreatedAtMs = now,
                KeyCheck = FileKeys.Check(key, id),
                FormatVersion = SegmentedAead.Version,
            };
            db.Files.Add(record);
            db.Transfers.Add(new FileTransfer
            {
                FileId = record.Id,
                UserId = command.UploaderId,
                Kind = FileTransfer.Upload,
                Bytes = size,
                AtMs = now,
            });
            // Not cancellable: once the file is in place, the row must follow it or the file must go.
            await db.SaveChangesAsync(CancellationToken.None);

            logger.LogInformation("Stored file {FileId} ({Size} bytes) for {UserId}", record.Id, size, command.UploaderId);
            await publisher.Publish(new FileUploaded(record.Id, name, size, mime, command.UploaderId), CancellationToken.None);
            return new StoredFileResult(record.Id, FileKeys.ToHex(key), name, size, mime);
        }
        catch
        {
            FileStore.TryDelete(tempPath);
            if (placed)
            {
                FileStore.TryDelete(finalPath);
            }

            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>
    /// Streams the plaintext into segments with one segment of look-ahead (to know which is the last),
    /// so memory stays at a few segments whatever the file's size.
    /// </summary>
    private async Task<(long Size, string Sha256)> EncryptToAsync(Stream content, string path, byte[] key, CancellationToken cancellationToken)
    {
        const int segmentSize = SegmentedAead.SegmentSize;
        var current = new byte[segmentSize];
        var next = new byte[segmentSize];
        var output = new byte[segmentSize + SegmentedAead.TagLength];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var encryptor = new SegmentEncryptor(key, segmentSize);
        long total = 0;

        await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
        {
            await file.WriteAsync(encryptor.Header.ToArray(), cancellationToken);

            var currentLength = await ReadSegmentAsync(content, current, cancellationToken);
            while (true)
            {
                total += currentLength;
                if (total > options.MaxUploadBytes)
                {
                    throw options.TooLarge();
                }

                hash.AppendData(current, 0, currentLength);
                var final = currentLength < segmentSize;
                var nextLength = 0;
                if (!final)
                {
                    nextLength = await ReadSegmentAsync(content, next, cancellationToken);
                    final = nextLength == 0;
                }

                var written = encryptor.Seal(current.AsSpan(0, currentLength), final, output);
                await file.WriteAsync(output.AsMemory(0, written), cancellationToken);
                if (final)
                {
                    break;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
            }

            // The rename that follows publishes the file: its bytes must be on disk first.
            file.Flush(flushToDisk: true);
        }

        return (total, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    private static async Task<int> ReadSegmentAsync(Stream content, byte[] buffer, CancellationToken cancellationToken) =>
        await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
}
