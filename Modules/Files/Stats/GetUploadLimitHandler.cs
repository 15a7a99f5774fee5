using Mediator;
using ZiyadMessenger.Modules.Contracts.Files;

namespace ZiyadMessenger.Modules.Files.Stats;

internal sealed class GetUploadLimitHandler(FilesOptions options) : IQueryHandler<GetUploadLimit, long>
{
    public ValueTask<long> Handle(GetUploadLimit query, CancellationToken cancellationToken) => ValueTask.FromResult(options.MaxUploadBytes);
}
