using System.Text.Json;

namespace FixedNorm.Tests.Infrastructure;

/// <summary>Reads the fixtures tests/fixtures/make_torch_fixtures.py wrote from PyTorch.</summary>
public static class TorchFixtures
{
    public static IReadOnlyList<JsonElement> Cases(string file)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", "torch", file);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.GetProperty("cases").EnumerateArray().ToArray();
    }

    public static JsonElement Case(string file, string name) =>
        Cases(file).Single(c => c.GetProperty("name").GetString() == name);

    public static IEnumerable<string> Names(string file) => Cases(file).Select(c => c.GetProperty("name").GetString()!);

    public static double[]? Doubles(this JsonElement element, string property) =>
        element.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(e => e.GetDouble()).ToArray()
            : null;

    public static int[] Ints(this JsonElement element, string property) =>
        element.GetProperty(property).EnumerateArray().Select(e => e.GetInt32()).ToArray();

    public static string ElementType(this JsonElement element) =>
        element.GetProperty("dtype").GetString() == "float32" ? "float" : "double";

    public static string Identifier(string name) =>
        new(name.Select(ch => char.IsLetterOrDigit(ch) ? ch : '_').ToArray());
}
