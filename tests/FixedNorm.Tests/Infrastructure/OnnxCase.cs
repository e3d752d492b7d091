using System.Text.Json;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>One ONNX conformance case (see Data/onnx/README.md).</summary>
public sealed class OnnxCase
{
    private readonly JsonElement _root;

    private OnnxCase(string name, JsonElement root)
    {
        Name = name;
        _root = root;
    }

    public string Name { get; }

    public string Op => _root.GetProperty("op").GetString()!;

    public static string Folder => Path.Combine(AppContext.BaseDirectory, "Data", "onnx");

    public static IEnumerable<string> Names(string op) =>
        Directory.GetFiles(Folder, "*.json")
            .Select(Path.GetFileNameWithoutExtension)
            .Where(name => Load(name!).Op == op)
            .Order(StringComparer.Ordinal)!;

    public static OnnxCase Load(string name) =>
        new(name, JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".json"))).RootElement);

    public double Attribute(string name, double defaultValue) =>
        _root.GetProperty("attributes").TryGetProperty(name, out JsonElement value) ? value.GetDouble() : defaultValue;

    public bool HasAttribute(string name) => _root.GetProperty("attributes").TryGetProperty(name, out _);

    /// <summary>The name of the input at <paramref name="position"/> (ONNX inputs are positional).</summary>
    public string InputName(int position) => _root.GetProperty("inputs").EnumerateObject().ElementAt(position).Name;

    public int[] Shape(string group, string name) =>
        _root.GetProperty(group).GetProperty(name).GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public double[] Data(string group, string name) =>
        _root.GetProperty(group).GetProperty(name).GetProperty("data").EnumerateArray().Select(e => e.GetDouble()).ToArray();

    public double[] Input(int position) => Data("inputs", InputName(position));

    public int[] InputShape(int position) => Shape("inputs", InputName(position));

    public double[] Output(string name) => Data("outputs", name);

    public bool HasOutput(string name) => _root.GetProperty("outputs").TryGetProperty(name, out _);
}
