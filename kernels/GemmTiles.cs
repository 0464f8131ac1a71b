namespace GpuDigits.Kernels;

/// <summary>
/// The compile-time blocking of <see cref="GemmKernels"/>: a work-group computes a <see cref="TileM"/> x
/// <see cref="TileN"/> block of C over <see cref="TileK"/>-deep k slices staged in shared memory; every thread holds a
/// fixed 4 x 4 register block (<see cref="GemmKernels.RegisterBlock"/>), so a group has (TileN / 4) x (TileM / 4)
/// threads. Implemented by empty structs whose properties return constants: passed as a generic type argument, ILGPU
/// folds them, so the shared-memory sizes are static and every instantiation compiles ahead of time (a
/// <c>SpecializedValue</c> is known only at launch, and a kernel sizing shared memory from one cannot be compiled
/// to PTX in advance).
/// </summary>
public interface IGemmTile
{
    int TileM { get; }
    int TileN { get; }
    int TileK { get; }
}

/// <summary>64 x 64 block, k slice 16: 16 x 16 = 256 threads. The GPU tiling.</summary>
public struct GemmTile64 : IGemmTile
{
    public readonly int TileM => 64;
    public readonly int TileN => 64;
    public readonly int TileK => 16;
}

/// <summary>32 x 32 block, k slice 16: 8 x 8 = 64 threads (devices that cap groups below 256).</summary>
public struct GemmTile32 : IGemmTile
{
    public readonly int TileM => 32;
    public readonly int TileN => 32;
    public readonly int TileK => 16;
}

/// <summary>
/// 16 x 16 block, k slice 64: 4 x 4 = 16 threads. For ILGPU's CPU accelerator, where every thread is an OS thread
/// and a barrier costs milliseconds: few threads, deep slices (few barriers).
/// </summary>
public struct GemmTile16 : IGemmTile
{
    public readonly int TileM => 16;
    public readonly int TileN => 16;
    public readonly int TileK => 64;
}

/// <summary>Whether an operand is read as stored or transposed: a compile-time constant, like the tile.</summary>
public interface IOrientation
{
    bool IsTransposed { get; }
}

/// <summary>op(X) = X.</summary>
public struct AsStored : IOrientation
{
    public readonly bool IsTransposed => false;
}

/// <summary>op(X) = X^T.</summary>
public struct Transposed : IOrientation
{
    public readonly bool IsTransposed => true;
}
