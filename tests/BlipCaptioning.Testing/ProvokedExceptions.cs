using System.Globalization;

namespace BlipCaptioning.Testing;

/// <summary>
/// Makes the runtime throw each exception a faulty decoder or captioner can raise, for real (a null dereference,
/// a division by zero, an array too large), so tests prove that none of them escapes the caption path.
/// </summary>
public static class ProvokedExceptions
{
    public static readonly string[] Kinds =
    [
        nameof(NullReferenceException), nameof(InvalidOperationException), nameof(DivideByZeroException),
        nameof(IndexOutOfRangeException), nameof(OutOfMemoryException), nameof(ArgumentException),
        nameof(ArgumentOutOfRangeException), nameof(NotSupportedException), nameof(OverflowException),
        nameof(InvalidCastException), nameof(KeyNotFoundException), nameof(FormatException),
        nameof(InsufficientExecutionStackException),
    ];

    /// <summary>Throws the exception named <paramref name="kind"/>, raised the way the runtime or the BCL raises it.</summary>
    public static void Throw(string kind)
    {
        int zero = kind.Length - kind.Length;
        object boxed = kind;
        string? nothing = zero == 0 ? null : kind;
        switch (kind)
        {
            case nameof(NullReferenceException):
                _ = nothing!.Length;
                break;
            case nameof(InvalidOperationException):
                _ = new List<int>().First();
                break;
            case nameof(DivideByZeroException):
                _ = 1 / zero;
                break;
            case nameof(IndexOutOfRangeException):
                _ = new int[] { 1 }[zero + 1];
                break;
            case nameof(OutOfMemoryException):
                _ = new byte[int.MaxValue - zero]; // larger than any array may be: thrown before allocating
                break;
            case nameof(ArgumentException):
                new Dictionary<int, int> { [1] = 1 }.Add(1, 1);
                break;
            case nameof(ArgumentOutOfRangeException):
                _ = "abc".Substring(5);
                break;
            case nameof(NotSupportedException):
                new List<int>().AsReadOnly().As<IList<int>>().Add(1);
                break;
            case nameof(OverflowException):
                _ = checked(int.MaxValue + (zero + 1));
                break;
            case nameof(InvalidCastException):
                _ = (int)boxed;
                break;
            case nameof(KeyNotFoundException):
                _ = new Dictionary<string, int>()[kind];
                break;
            case nameof(FormatException):
                _ = int.Parse(kind, CultureInfo.InvariantCulture);
                break;
            case nameof(InsufficientExecutionStackException):
                throw new InsufficientExecutionStackException(); // what RuntimeHelpers.EnsureSufficientExecutionStack throws
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a kind of ProvokedExceptions.");
        }

        throw new InvalidOperationException($"{kind} was not provoked.");
    }

    private static T As<T>(this object value) => (T)value;
}
