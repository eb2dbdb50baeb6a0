namespace Dgl.Sampling;

/// <summary>Exceptions for bad arguments found away from the public method that received them (the helper that
/// finds the problem is not the method whose parameter it was, so it names the public argument explicitly).</summary>
internal static class SamplingErrors
{
    /// <summary>An <see cref="ArgumentException"/> about the public argument <paramref name="argument"/>.</summary>
    public static ArgumentException Argument(string argument, string message) => new(message, argument);
}
