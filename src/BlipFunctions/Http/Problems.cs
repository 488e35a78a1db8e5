using Microsoft.AspNetCore.Mvc;

namespace BlipFunctions.Http;

/// <summary>Error answers as RFC 9457 problem details.</summary>
public static class Problems
{
    public static ObjectResult Create(int status, string title, string detail)
    {
        var problem = new ProblemDetails { Status = status, Title = title, Detail = detail };
        var result = new ObjectResult(problem) { StatusCode = status };
        result.ContentTypes.Add("application/problem+json");
        return result;
    }
}
