using System.Text;

namespace FixedNorm.Generator.Emitting;

/// <summary>Writes C# text line by line with the indentation tracked for the caller.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    /// <summary>Writes a line (or several, separated by '\n'), each at the current indentation.</summary>
    public SourceWriter Line(string line = "")
    {
        if (line.IndexOf('\n') >= 0)
        {
            foreach (string part in line.Split('\n'))
            {
                Line(part);
            }

            return this;
        }

        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4).Append(line);
        }

        _text.Append('\n');
        return this;
    }

    /// <summary>Writes "{" and indents until the returned scope is disposed, which writes "}".</summary>
    public Scope Block(string? header = null, string closing = "}")
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _indent++;
        return new Scope(this, closing);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Scope(SourceWriter writer, string closing) : IDisposable
    {
        public void Dispose()
        {
            writer._indent--;
            writer.Line(closing);
        }
    }
}
