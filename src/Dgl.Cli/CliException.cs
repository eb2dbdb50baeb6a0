namespace Dgl.Cli;

/// <summary>
/// A user error: bad input, an unknown option, model or data set, a missing or malformed file. The CLI prints its
/// message as one line on stderr and exits with code 2 (never a stack trace).
/// </summary>
public sealed class CliException : Exception
{
    /// <summary>Creates the exception with the one-line message shown to the user.</summary>
    public CliException(string message) : base(message) { }

    /// <summary>Creates the exception with the message shown to the user and the exception that caused it.</summary>
    public CliException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception with a generic message.</summary>
    public CliException() : base("invalid input") { }
}
