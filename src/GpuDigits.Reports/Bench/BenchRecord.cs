namespace GpuDigits.Reports.Bench;

/// <summary>
/// One row of a <c>gpudigits bench</c> CSV: an op (or a whole training epoch) at one shape on one device.
/// Times are per call (per epoch for <c>epoch</c> rows); rates are <see cref="Work"/> divided by those times,
/// in <see cref="Unit"/> (GFLOP/s for GEMM, GB/s for memory-bound ops, images/s for epochs).
/// </summary>
/// <param name="Category"><c>gemm</c>, <c>elementwise</c> or <c>epoch</c>.</param>
/// <param name="Op">What ran, e.g. <c>gemm NN</c>, <c>adam</c>, <c>epoch sgd</c>.</param>
/// <param name="Shape">Its size, e.g. <c>m128 n128 k784</c> or <c>100352</c>.</param>
/// <param name="Work">Floating-point operations, bytes moved, or images per call, in the unit's base (not giga).</param>
/// <param name="Unit">The rate's unit.</param>
/// <param name="Repeats">Timed repetitions.</param>
/// <param name="CallsPerRepeat">Calls inside one timed repetition.</param>
/// <param name="MinSeconds">Fastest repetition's time per call.</param>
/// <param name="MedianSeconds">Median repetition's time per call.</param>
/// <param name="BestRate">Rate at <see cref="MinSeconds"/>.</param>
/// <param name="MedianRate">Rate at <see cref="MedianSeconds"/>.</param>
/// <param name="Device">Accelerator id.</param>
/// <param name="Note">Free text: the epilogue fused into a GEMM, an epoch's test accuracy.</param>
public sealed record BenchRecord(
    string Category,
    string Op,
    string Shape,
    double Work,
    string Unit,
    int Repeats,
    int CallsPerRepeat,
    double MinSeconds,
    double MedianSeconds,
    double BestRate,
    double MedianRate,
    string Device,
    string Note);
