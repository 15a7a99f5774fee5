using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ZiyadMessenger.Modules.Contracts.Hosting;
using ZiyadMessenger.Tests.Infrastructure;

namespace ZiyadMessenger.Tests.Integration.Files;

internal sealed record UploadedFile(string FileId, string Key, string Name, long Size, string Mime);

internal static class FilesTestClient
{
    public static HttpClient Files(this TestHost host, string token) => host.Client(ModuleNames.Files, token);

    public static MultipartFormDataContent Form(byte[] bytes, string fileName = "data.bin", string? contentType = "application/octet-stream", string field = "file")
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(bytes);
        if (contentType is not null)
        {
            part.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        form.Add(part, field, fileName);
        return form;
    }

    /// <summary>A multipart body written byte by byte, for part headers HttpClient would not produce.</summary>
    public static ByteArrayContent RawForm(string partHeaders, byte[] bytes, string boundary = "zm-boundary-1", bool close = true)
    {
        var body = new MemoryStream();
        body.Write(Encoding.UTF8.GetBytes($"--{boundary}\r\n{partHeaders}\r\n\r\n"));
        body.Write(bytes);
        if (close)
        {
            body.Write(Encoding.UTF8.GetBytes($"\r\n--{boundary}--\r\n"));
        }

        var content = new ByteArrayContent(body.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={boundary}");
        return content;
    }

    public static async Task<UploadedFile> UploadAsync(this TestHost host, string token, byte[] bytes, string fileName = "data.bin", string? contentType = "application/octet-stream")
    {
        using var client = host.Files(token);
        var response = await client.PostAsync("/upload", Form(bytes, fileName, contentType));
        var text = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException($"Upload answered {(int)response.StatusCode}: {text}");
        }

        return JsonSerializer.Deserialize<UploadedFile>(text, TestHost.Json)!;
    }

    public static byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        Random.Shared.NextBytes(bytes);
        return bytes;
    }

    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        response.Content.Headers.ContentType?.MediaType.Should().Be("application/problem+json");
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("error").GetString().Should().NotBeNullOrWhiteSpace();
        return problem;
    }

    public static string StoredPath(this TestHost host, string fileId) =>
        Path.Combine(host.DataDirectory, "files", fileId[..2], fileId + ".enc");

    public static string[] TempFiles(this TestHost host)
    {
        var directory = Path.Combine(host.DataDirectory, "files", "tmp");
        return Directory.Exists(directory) ? Directory.GetFiles(directory) : [];
    }
}
