namespace GpuDigits.Web;

/// <summary>
/// A request the server refuses: an HTTP status (4xx) and one line saying why, which the client gets as
/// <c>{"error": "..."}</c>. Never carries a stack trace.
/// </summary>
public sealed class ApiProblem(int status, string reason) : Exception(reason)
{
    public int Status { get; } = status;

    public static ApiProblem BadRequest(string reason) => new(400, reason);
    public static ApiProblem NotFound(string reason) => new(404, reason);
    public static ApiProblem TooLarge(string reason) => new(413, reason);
    public static ApiProblem UnsupportedMediaType(string reason) => new(415, reason);
    public static ApiProblem Unprocessable(string reason) => new(422, reason);
}
