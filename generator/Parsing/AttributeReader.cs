using System.Globalization;
using FixedNorm.Generator.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace FixedNorm.Generator.Parsing;

/// <summary>Reads an attribute's shape and named arguments, with the location of each argument.</summary>
internal sealed class AttributeReader
{
    private readonly AttributeData _attribute;
    private readonly AttributeSyntax? _syntax;

    public AttributeReader(AttributeData attribute, CancellationToken cancellationToken)
    {
        _attribute = attribute;
        _syntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
    }

    /// <summary>False when the compiler could not bind the attribute: it reports that error itself.</summary>
    public bool IsBound =>
        _attribute.AttributeConstructor is not null &&
        _attribute.ConstructorArguments.Length == 1 &&
        _attribute.ConstructorArguments[0].Kind == TypedConstantKind.Array;

    public LocationInfo? Location => LocationInfo.From(_syntax);

    /// <summary>"LayerNorm" or "BatchNorm", as the user writes it.</summary>
    public string Name => _attribute.AttributeClass?.Name.Replace("Attribute", "") ?? "LayerNorm";

    /// <summary>The <c>params int[] shape</c> argument.</summary>
    public int[] Shape() => _attribute.ConstructorArguments[0].IsNull
        ? [] // [LayerNorm(null)]: reported as an empty shape
        : _attribute.ConstructorArguments[0].Values.Select(v => v.Value is int i ? i : 0).ToArray();

    /// <summary>Where dimension <paramref name="index"/> was written, or the attribute when it was an array expression.</summary>
    public LocationInfo? DimensionLocation(int index)
    {
        AttributeArgumentSyntax[] positional = PositionalArguments();
        return !_attribute.ConstructorArguments[0].IsNull && positional.Length == _attribute.ConstructorArguments[0].Values.Length && index < positional.Length
            ? LocationInfo.From(positional[index])
            : Location;
    }

    public int Int(string name, int defaultValue) =>
        Named(name) is { Value: { } value } ? Convert.ToInt32(value, CultureInfo.InvariantCulture) : defaultValue;

    public double Double(string name, double defaultValue) =>
        Named(name) is { Value: { } value } ? Convert.ToDouble(value, CultureInfo.InvariantCulture) : defaultValue;

    /// <summary>Where the named argument was written, or the attribute when it was left at its default.</summary>
    public LocationInfo? NamedLocation(string name) =>
        LocationInfo.From(_syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)) ?? Location;

    private TypedConstant? Named(string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in _attribute.NamedArguments)
        {
            if (argument.Key == name)
            {
                return argument.Value;
            }
        }

        return null;
    }

    private AttributeArgumentSyntax[] PositionalArguments() =>
        _syntax?.ArgumentList?.Arguments.Where(a => a.NameEquals is null && a.NameColon is null).ToArray() ?? [];
}
