namespace ZiyadMessenger.Modules.Contracts.Hosting;

/// <summary>
/// Endpoint metadata for the API description: the endpoint reads a multipart/form-data body itself (as
/// a stream, so nothing binds it) whose file is the part named <paramref name="FieldName"/>.
/// </summary>
public sealed record MultipartFileBodyMetadata(string FieldName, string Description);

/// <summary>
/// Endpoint metadata for the API description: an endpoint open to anyone that checks an admin token
/// itself when one is sent (beside another way in, such as a shared secret).
/// </summary>
public sealed record AcceptsAdminTokenMetadata;
