using FixedNorm.Generator.Diagnostics;

namespace FixedNorm.Generator.Model;

/// <summary>
/// What the parser made of one annotated method: the shell to emit into (null when nothing may be
/// emitted, such as a method that is not partial), the kernel (null when the declaration is invalid:
/// the shell then gets a body that only throws, so the user sees our error and no CS8795), and the
/// diagnostics to report.
/// </summary>
internal sealed record ParseResult(
    MethodShell? Shell,
    KernelSpec? Kernel,
    EquatableArray<DiagnosticInfo> Diagnostics);
