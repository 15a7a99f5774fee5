using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using ZiyadMessenger.Modules.Contracts.Errors;
using ZiyadMessenger.Modules.Contracts.Files;
using ZiyadMessenger.Modules.Files.Data;
using ZiyadMessenger.Modules.Files.Storage;

namespace ZiyadMessenger.Modules.Files.Download;

/// <summary>Finds a stored file and, when a key is given, checks it before anything is read.</summary>
internal sealed record OpenFile(Guid FileId, byte[]? Key) : IQuery<FileToServe>;

internal sealed record FileToServe(Guid Id, string Name, string Mime, long Size, string Path, byte[]? Key);

internal sealed class OpenFileHandler(FilesDbContext db, FileStore store, ILogger<OpenFileHandler> logger) : IQueryHandler<OpenFile, FileToServe>
{
    public async ValueTask<FileToServe> Handle(OpenFile query, CancellationToken cancellationToken)
    {
        var id = query.FileId.ToString("D");
        var file = await db.Files.AsNoTracking().SingleOrDefaultAsync(f => f.Id == id, cancellationToken)
            ?? throw AppException.NotFound("No file has this id.");

        if (query.Key is not null && !FileKeys.Matches(query.Key, query.FileId, file.KeyCheck))
        {
            throw AppException.Forbidden("This key does not open this file.");
        }

        var path = store.PathFor(query.FileId);
        if (!File.Exists(path))
        {
            logger.LogError("File {FileId} is recorded but its content is missing from storage", id);
            throw AppException.NotFound("The file's content is no longer in storage.");
        }

        return new FileToServe(query.FileId, file.Name, file.Mime, file.Size, path, query.Key);
    }
}

/// <summary>Counts a download that reached its last byte, then tells the rest of the system.</summary>
internal sealed record RecordDownload(Guid FileId, string UserId, bool Decrypted, long Bytes) : ICommand;

internal sealed class RecordDownloadHandler(FilesDbContext db, IPublisher publisher, TimeProvider clock) : ICommandHandler<RecordDownload>
{
    public async ValueTask<Unit> Handle(RecordDownload command, CancellationToken cancellationToken)
    {
        var id = command.FileId.ToString("D");
        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            await db.Files.Where(f => f.Id == id).ExecuteUpdateAsync(s => s.SetProperty(f => f.Downloads, f => f.Downloads + 1), cancellationToken);
            db.Transfers.Add(new FileTransfer
            {
                FileId = id,
                UserId = command.UserId,
                Kind = FileTransfer.Download,
                Decrypted = command.Decrypted,
                Bytes = command.Bytes,
                AtMs = clock.GetUtcNow().ToUnixTimeMilliseconds(),
            });
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        await publisher.Publish(new FileDownloaded(id, command.UserId, command.Decrypted, command.Bytes), cancellationToken);
        return Unit.Value;
    }
}
