using Mediator;

namespace ZiyadMessenger.Modules.Contracts.Files;

public sealed record FileStats(long TotalFiles, long TotalBytes, long UploadsToday, long DownloadsToday, IReadOnlyList<int> TransfersPerMinuteLastHour);

public sealed record GetFileStats : IQuery<FileStats>;

public sealed record FileUploaded(string FileId, string Name, long Size, string Mime, string UploaderId) : INotification;
/// <param name="Decrypted">True when the plaintext was served (the key was given), false for ciphertext.</param>
public sealed record FileDownloaded(string FileId, string UserId, bool Decrypted, long Bytes) : INotification;

/// <summary>The largest file an upload may carry (the web client checks a file before sending it).</summary>
public sealed record GetUploadLimit : IQuery<long>;
